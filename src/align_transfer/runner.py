"""What every workflow script shares: logging into the rule's log, and clean errors for bad input."""

from __future__ import annotations

import contextlib
import logging
import sys

from .io import InputError
from .sources import SourceError


@contextlib.contextmanager
def logged(snakemake):
    """Log to the rule's ``log:`` file and to stderr; report bad input as one line, not a traceback."""
    handlers = [logging.StreamHandler(sys.stderr)]
    if snakemake.log:
        handlers.append(logging.FileHandler(snakemake.log[0], mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
    try:
        yield logging.getLogger(f"align_transfer.rule.{snakemake.rule}")
    except (InputError, SourceError) as error:
        logging.getLogger("align_transfer").error("%s", error)
        raise SystemExit(f"error: {error}") from None
