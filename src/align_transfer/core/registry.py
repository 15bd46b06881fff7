"""Where a registry entry names a function of a higher layer ("module:function"), that layer finds it here."""

from __future__ import annotations

import importlib
from typing import Any


def resolve(reference: str) -> Any:
    """The object a ``"package.module:name"`` reference names."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
