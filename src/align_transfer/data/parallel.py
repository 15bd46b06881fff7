"""Parallel corpora: read OPUS Moses zips, clean, deduplicate, shuffle and cap (paper §4.2)."""

from __future__ import annotations

import logging
import random
import stat
import zipfile
from dataclasses import dataclass, field

from align_transfer.core.io import InputError, atomic_open

log = logging.getLogger(__name__)


def _member(archive: zipfile.ZipFile, zip_path, pair: str, lang: str) -> str:
    suffix = f".{pair}.{lang}"
    members = [m for m in archive.infolist() if m.filename.endswith(suffix)]
    if len(members) != 1:
        raise InputError(
            zip_path, f"expected one member ending in '{suffix}', found {[m.filename for m in members] or 'none'}"
        )
    # a zip made on Unix keeps the file type in the high bits; 0 means "no type recorded" (a plain file)
    kind = stat.S_IFMT(members[0].external_attr >> 16)
    if members[0].is_dir() or kind not in (0, stat.S_IFREG):
        raise InputError(
            zip_path,
            f"member {members[0].filename} is not a regular file (a link or a folder); "
            "archive members must be regular files",
        )
    return members[0].filename


def _lines(data: bytes, label: str) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(label, "is not valid UTF-8", line) from error
    lines = text.split("\n")  # not splitlines(): U+2028 and friends are text, not line ends
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_moses_zip(zip_path, pair: str) -> tuple[list[str], list[str]]:
    """Return the line-aligned source and target sides of an OPUS Moses zip for ``pair`` (``src-tgt``)."""
    src, tgt = pair.split("-")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as error:
        raise InputError(zip_path, f"is not a zip archive ({error}); OPUS Moses downloads are zips") from None
    with archive:
        names = [_member(archive, zip_path, pair, lang) for lang in (src, tgt)]
        try:
            sides = [_lines(archive.read(n), f"{zip_path}!{n}") for n in names]
        except (zipfile.BadZipFile, EOFError) as error:
            raise InputError(zip_path, f"is a damaged zip archive ({error})") from None
    if len(sides[0]) != len(sides[1]):
        raise InputError(
            f"{zip_path}!{names[0]}",
            f"has {len(sides[0])} lines but {names[1]} has {len(sides[1])}; parallel files must be line-aligned",
        )
    return sides[0], sides[1]


def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())


@dataclass
class CleaningReport:
    read: int = 0
    empty: int = 0
    identical: int = 0
    too_long: int = 0
    duplicate: int = 0
    kept: int = 0
    capped: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"read {self.read}; dropped {self.empty} empty, {self.identical} identical, "
            f"{self.too_long} over-long, {self.duplicate} duplicate; kept {self.kept}, capped to {self.capped}"
        )


def clean_pairs(src_lines, tgt_lines, *, max_chars: int, cap: int, seed: int, label: str):
    """Normalise whitespace; drop empty, identical and over-long pairs and duplicates; shuffle; cap.

    Returns ``(pairs, report)``. Raises InputError naming ``label`` when nothing is left.
    """
    report = CleaningReport(read=len(src_lines))
    seen: set[tuple[str, str]] = set()
    pairs = []
    for raw_src, raw_tgt in zip(src_lines, tgt_lines, strict=True):
        src, tgt = normalise_whitespace(raw_src), normalise_whitespace(raw_tgt)
        if not src or not tgt:
            report.empty += 1
        elif src == tgt:
            report.identical += 1
        elif len(src) > max_chars or len(tgt) > max_chars:
            report.too_long += 1
        elif (src, tgt) in seen:
            report.duplicate += 1
        else:
            seen.add((src, tgt))
            pairs.append((src, tgt))
    report.kept = len(pairs)
    if not pairs:
        raise InputError(label, f"no sentence pairs left after filtering ({report})")
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:cap]
    report.capped = len(pairs)
    return pairs, report


def write_parallel_tsv(path, pairs, pair: str) -> None:
    """Write ``pairs`` as a TSV whose header names the two languages of ``pair``."""
    src, tgt = pair.split("-")
    with atomic_open(path) as out:
        out.write(f"{src}\t{tgt}\n")
        for s, t in pairs:
            out.write(f"{s}\t{t}\n")


def read_parallel_tsv(path) -> tuple[list[str], list[str]]:
    """Read a TSV written by :func:`write_parallel_tsv` back into its two sides."""
    with open(path, encoding="utf-8") as handle:
        next(handle)
        rows = [line.rstrip("\n").split("\t") for line in handle]
    return [r[0] for r in rows], [r[1] for r in rows]


def prepare_parallel(zip_path, out_path, *, pair: str, max_chars: int, cap: int, seed: int) -> CleaningReport:
    src, tgt = read_moses_zip(zip_path, pair)
    pairs, report = clean_pairs(src, tgt, max_chars=max_chars, cap=cap, seed=seed, label=zip_path)
    write_parallel_tsv(out_path, pairs, pair)
    log.info("%s: %s", pair, report)
    return report
