"""Atomic outputs and input errors that name their place.

Every output is complete or absent: writers write to a temporary name beside the target and
rename it into place only when they finish.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path


class InputError(ValueError):
    """Bad input, with the file and line (or key) at fault in its message."""

    def __init__(self, path, message: str, line: int | None = None):
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.reason = str(path), line, message


class WriteError(OSError):
    """An output could not be written (a full disk, say); the message names the output."""

    def __str__(self) -> str:
        return str(self.strerror)


#: How the libraries say a write ran out of space when they do not raise ENOSPC: safetensors' Rust error,
#: torch.save's zip writer.
_FULL = ("no space left on device", "os error 28", "storagefull", "unexpected pos", "file write failed")
FULL_BELOW = 1 << 20  # bytes: a disk with less than this free is full, whatever the error says


def disk_full(error: BaseException, target) -> WriteError | None:
    """A ``WriteError`` naming ``target`` and the free space where ``error`` came from a full disk (or quota),
    else None."""
    folder = Path(target).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    full = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
    full = full or any(text in str(error).lower() for text in _FULL) and free is not None and free < 64 * FULL_BELOW
    full = full or (free is not None and free < FULL_BELOW)
    if not full or isinstance(error, WriteError):
        return None
    left = f"{free / 1e6:.1f} MB free" if free is not None else "no free space known"
    return WriteError(
        errno.ENOSPC,
        f"cannot write {target}: the disk is full ({left} on {folder}); nothing of it was kept. Free some space "
        "(`snakemake clean_state` removes the kept work of finished training) and rerun",
    )


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success.

    Works for files and directories alike. On error the temporary path is removed and
    ``target`` is left as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent)) / target.name
        try:
            yield tmp
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp.parent, ignore_errors=True)
    except Exception as error:
        if (full := disk_full(error, target)) is not None:
            raise full from None
        raise


@contextlib.contextmanager
def atomic_open(target, mode: str = "w", **kwargs):
    """Open a temporary file that replaces ``target`` when the block ends without error."""
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as handle:
            yield handle


@contextlib.contextmanager
def all_or_nothing(paths):
    """Remove every path in ``paths`` if the block fails, so a multi-file output is never partial."""
    try:
        yield
    except BaseException:
        for path in map(Path, paths):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise
