"""The HTML reports, the aligned checkpoints' model cards, and the documentation written from runs and the schema."""
