"""The HTML reports, and the README's paragraph written from a run."""
