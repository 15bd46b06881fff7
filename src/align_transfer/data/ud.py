"""Universal Dependencies: read CoNLL-U into words and UPOS tags per sentence.

Words are the syntactic words of the UD guidelines: multiword-token ranges (``3-4 du``) are
surface tokens whose words (``3 de``, ``4 le``) follow, so the range line is skipped; empty nodes
(``8.1``) belong to the enhanced graph, not to the word sequence, so they are skipped too.
"""

from __future__ import annotations

import json
import re

from align_transfer.core.io import InputError, atomic_open

#: The 17 universal POS tags (universaldependencies.org/u/pos).
UPOS = (
    "ADJ",
    "ADP",
    "ADV",
    "AUX",
    "CCONJ",
    "DET",
    "INTJ",
    "NOUN",
    "NUM",
    "PART",
    "PRON",
    "PROPN",
    "PUNCT",
    "SCONJ",
    "SYM",
    "VERB",
    "X",
)
_WORD = re.compile(r"[1-9][0-9]*")
_RANGE = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
_EMPTY = re.compile(r"[0-9]+\.[1-9][0-9]*")


def read_conllu(path) -> list[dict]:
    """Return ``[{"sent_id", "words", "upos"}]``; malformed lines raise InputError with file:line."""
    sentences, words, tags, sent_id, start = [], [], [], None, None
    upos_set = set(UPOS)

    def close():
        nonlocal words, tags, sent_id, start
        if words:
            sentences.append({"sent_id": sent_id or f"{path}#{len(sentences) + 1}", "words": words, "upos": tags})
        elif start is not None:
            raise InputError(path, "sentence has no words", start)
        words, tags, sent_id, start = [], [], None, None

    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                close()
                continue
            if start is None:
                start = number
            if line.startswith("#"):
                if line.startswith("# sent_id"):
                    sent_id = line.split("=", 1)[-1].strip()
                continue
            columns = line.split("\t")
            if len(columns) != 10:
                raise InputError(path, f"expected 10 tab-separated columns, found {len(columns)}", number)
            token_id, form, upos = columns[0], columns[1], columns[3]
            if _EMPTY.fullmatch(token_id):
                continue
            if match := _RANGE.fullmatch(token_id):
                first, last = map(int, match.groups())
                if first != len(words) + 1 or last <= first:
                    raise InputError(path, f"multiword token range {token_id} is out of place", number)
                continue
            if not _WORD.fullmatch(token_id):
                raise InputError(path, f"malformed ID '{token_id}'", number)
            if int(token_id) != len(words) + 1:
                raise InputError(path, f"word ID {token_id} out of sequence (expected {len(words) + 1})", number)
            if not form:
                raise InputError(path, f"word {token_id} has an empty FORM", number)
            if upos not in upos_set:
                raise InputError(path, f"unknown UPOS '{upos}' (not one of the 17 universal tags)", number)
            words.append(form)
            tags.append(upos)
    close()
    if not sentences:
        raise InputError(path, "holds no sentences")
    return sentences


def raw_fields(lang: str, info: dict, split: str) -> dict:
    """Where a language's split lies in UD's layout (``{treebank}/{file}``), from its entry of ``languages``."""
    return {"treebank": info["treebank"], "file": f"{info['ud_prefix']}-ud-{split}.conllu"}


def prepare(raw, out) -> str:
    """A treebank file as words and UPOS per sentence (JSON lines); what it holds, for the log."""
    sentences = read_conllu(raw)
    write_jsonl(out, sentences)
    return f"{len(sentences)} sentences, {sum(len(s['words']) for s in sentences)} words"


def write_jsonl(path, records) -> None:
    with atomic_open(path) as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
