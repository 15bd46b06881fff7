"""FLORES-200: line-parallel sentence files, one per language and split."""

from __future__ import annotations

from align_transfer.core.io import InputError, all_or_nothing, atomic_open
from align_transfer.core.sampling import sample_rows


def read_flores(paths: dict, limit: int | None = None, seed: int = 0) -> dict[str, list[str]]:
    """Read ``{lang: path}`` files of one split; they must be line-parallel and have no empty line.
    ``limit`` keeps a sample of ``limit`` lines seeded by ``seed``, the same lines in every language (a
    smoke run)."""
    texts = {}
    for lang, path in paths.items():
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                raise InputError(path, "empty sentence", number)
        texts[lang] = lines
    counts = {lang: len(lines) for lang, lines in texts.items()}
    if len(set(counts.values())) > 1:
        first = next(iter(paths))
        for lang, count in counts.items():
            if count != counts[first]:
                raise InputError(
                    paths[lang],
                    f"has {count} lines but {paths[first]} has {counts[first]}; FLORES files are line-parallel",
                )
    keep = sample_rows(len(next(iter(texts.values()), [])), limit, seed)
    return {lang: [lines[row] for row in keep] for lang, lines in texts.items()}


def write_flores(texts: dict, out_paths: dict) -> None:
    with all_or_nothing(out_paths.values()):
        for lang, path in out_paths.items():
            with atomic_open(path) as out:
                out.writelines(line + "\n" for line in texts[lang])
