"""Reproduction library for "Why Better Cross-Lingual Alignment Fails for Better Cross-Lingual
Transfer: Case of Encoders": readers, the mini world, losses, training, metrics and analyses.

The Snakemake workflow in ``workflow/`` calls this library through the thin scripts in ``scripts/``.
"""
