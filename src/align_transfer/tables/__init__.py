"""The paper's tables and figures: tidy CSVs, their layouts (Markdown and HTML) and captions."""
