"""The claims layer: the paper's findings as hypotheses tested with statistics and verdicts."""
