"""Bilingual lexicons in the MUSE format: one ``source target`` word pair a line."""

from __future__ import annotations

from align_transfer.core.io import InputError, atomic_open


def read_muse(path) -> list[tuple[str, str]]:
    """Return the distinct word pairs of a MUSE dictionary, in file order."""
    pairs, seen = [], set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise InputError(path, f"expected 'source target', found {len(fields)} fields", number)
            if (entry := (fields[0], fields[1])) not in seen:
                seen.add(entry)
                pairs.append(entry)
    if not pairs:
        raise InputError(path, "holds no word pairs")
    return pairs


def write_lexicon(path, pairs, pair: str) -> None:
    src, tgt = pair.split("-")
    with atomic_open(path) as out:
        out.write(f"{src}\t{tgt}\n")
        out.writelines(f"{s}\t{t}\n" for s, t in pairs)


def read_lexicon(path, limit: int | None = None) -> list[tuple[str, str]]:
    """The word pairs of a normalised lexicon (``write_lexicon``'s TSV), the first ``limit`` of them; a lexicon
    with fewer is a config error (``analysis.lexicon_size``), not a silently smaller one."""
    from align_transfer.core.config import ConfigError

    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()[1:]
    if limit is not None and len(lines) < limit:
        raise ConfigError(
            f"config error at analysis.lexicon_size: {limit} is beyond the {len(lines)} word pairs of "
            f"{path}; set it to {len(lines)} or fewer"
        )
    pairs = []
    for number, line in enumerate(lines[:limit], 2):
        fields = line.split("\t")
        if len(fields) != 2:
            raise InputError(path, f"expected 'source<TAB>target', found {len(fields)} fields", number)
        pairs.append((fields[0], fields[1]))
    return pairs
