"""The lock file of inputs: the sha256 of every file fetched from a URL or a mirror.

The file is in ``sha256sum`` format (``<digest>  <path>``, the path as under ``resources/``), so
``cd resources && sha256sum -c ../config/inputs.lock`` checks a finished download by hand. A file
with an entry must match it; a file without one is recorded. Users commit the lock beside their
config; to take a new version of a file on purpose, delete its line and rerun its download.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from align_transfer.core.io import atomic_open

HEADER = (
    "# sha256 of every input the workflow fetched (sha256sum format; paths as under resources/).\n"
    "# A fetched file must match its line; a file without a line is recorded here. To take a new\n"
    "# version of a file on purpose, delete its line and rerun its download (docs/running.md, 'Inputs lock').\n"
)


class LockMismatch(RuntimeError):
    """A fetched file does not match the digest the lock file records for it."""


def read_lock(path) -> dict[str, str]:
    """``{path under resources/: sha256}`` from a lock file (empty when there is none)."""
    entries = {}
    path = Path(path)
    if not path.exists():
        return entries
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise LockMismatch(f"{path}:{number}: expected '<sha256>  <path>', found {line!r}")
        entries[name] = digest.lower()
    return entries


@contextlib.contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock beside ``path`` while downloads running side by side update it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".flock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_or_record(lock_path, digests: dict[str, str], origins: dict[str, str]) -> list[str]:
    """Verify each ``{name: digest}`` against the lock, record those it lacks; return the recorded names.

    A mismatch raises :class:`LockMismatch` naming the file (``origins[name]``, where it came
    from), both digests and how to take the new version on purpose; nothing is recorded then.
    """
    lock_path = Path(lock_path)
    with _exclusive(lock_path):
        entries = read_lock(lock_path)
        for name, digest in digests.items():
            if name in entries and entries[name] != digest:
                raise LockMismatch(
                    f"{origins.get(name, name)} does not match the lock file {lock_path}: it records sha256 "
                    f"{entries[name]} for {name}, the file has {digest}. If the new version is wanted, delete "
                    f"that line from {lock_path} and rerun the download."
                )
        new = sorted(set(digests) - set(entries))
        if new:
            entries.update({name: digests[name] for name in new})
            with atomic_open(lock_path) as out:
                out.write(HEADER)
                out.writelines(f"{entries[name]}  {name}\n" for name in sorted(entries))
        return new


def lock_path(config: dict) -> str | None:
    """The lock file of a config (relative to the working directory), or None where there is none."""
    value = config.get("inputs_lock")
    return os.fspath(value) if value else None


def verify_inputs(paths, lock) -> None:
    """Check every input a job reads from ``resources/`` (a file, or each file of a folder) against the lock
    file, where the lock has a line for it: a file changed after it was fetched is refused before it is
    read, naming it and what to do (``LockMismatch``)."""
    from align_transfer.data.sources import sha256sum

    if not lock or not Path(lock).exists():
        return
    entries = read_lock(lock)
    for path in map(Path, paths):
        if not path.parts or path.parts[0] != "resources":
            continue
        for file in sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]:
            key = file.relative_to("resources").as_posix()
            if key in entries and (digest := sha256sum(file)) != entries[key]:
                raise LockMismatch(
                    f"{file} was changed after it was fetched: its sha256 is {digest}, the lock file {lock} records "
                    f"{entries[key]}. Fetch it again (`snakemake --force {file}`), or, to use the new version on "
                    f"purpose, delete its line from {lock} and rerun its download."
                )
