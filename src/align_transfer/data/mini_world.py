"""The mini world (docs/design.md §5): a deterministic synthetic multilingual world, written as a local
mirror in the real sources' formats so that the real download and prepare rules read it.

Each sentence is one meaning (a topic plus a small clause of concepts, each with its UPOS)
rendered in every language. Languages differ in script (Unicode block), word order (SVO/SOV),
adjective and adposition placement, articles, contractions (multiword tokens) and vocabulary;
related languages share roots with a set probability, and digits and names are shared anchors,
so relatedness varies as in the paper's hypothesis I.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from align_transfer.core.io import atomic_path
from align_transfer.core.registry import resolve
from align_transfer.core.tasks import TASKS
from align_transfer.data.sib200 import LABELS

CONSONANTS = "ptkbdgmnlrsvfz"
VOWELS = "aeiou"

# One letter of the proto alphabet -> one letter of each alphabetic script.
_TRANSLIT = {
    "cyrillic": dict(zip(CONSONANTS + VOWELS, "пткбдгмнлрсвфзаеиоу")),
    "devanagari": dict(zip(CONSONANTS + VOWELS, "पतकबदगमनलरसवफजअएइओउ")),
    "arabic": dict(zip(CONSONANTS + VOWELS, "پتکبدگمنلرسوفزا" + "ی" + "ی" + "و" + "و")),
}
# Syllabic scripts: consonant row start (Hangul initial index / hiragana code point of the a-row).
_HANGUL_INITIAL = dict(zip(CONSONANTS, [17, 16, 15, 7, 3, 0, 6, 2, 5, 5, 9, 7, 17, 12]))
_HANGUL_VOWEL = dict(zip(VOWELS, [0, 5, 20, 8, 13]))
_KANA_ROW = {
    "k": [0x304B, 0x304D, 0x304F, 0x3051, 0x3053],
    "s": [0x3055, 0x3057, 0x3059, 0x305B, 0x305D],
    "t": [0x305F, 0x3061, 0x3064, 0x3066, 0x3068],
    "n": [0x306A, 0x306B, 0x306C, 0x306D, 0x306E],
    "f": [0x306F, 0x3072, 0x3075, 0x3078, 0x307B],
    "m": [0x307E, 0x307F, 0x3080, 0x3081, 0x3082],
    "r": [0x3089, 0x308A, 0x308B, 0x308C, 0x308D],
}
_KANA_VOICED = {"g": ("k", 1), "z": ("s", 1), "d": ("t", 1), "b": ("f", 1), "p": ("f", 2), "v": ("f", 1), "l": ("r", 0)}


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    flores: str
    script: str  # latin, cyrillic, devanagari, arabic, hangul, kana
    order: str  # SVO or SOV
    groups: tuple  # language groups, oldest first: a word comes from the first whose root survives
    articles: bool = False
    adjective_after: bool = False
    postpositions: bool = False
    contractions: bool = False
    case_particles: bool = False
    spaces: bool = True
    noun_suffix: str = ""
    verb_suffix: str = ""
    full_stop: str = "."


LANGUAGES = {
    lang.code: lang
    for lang in [
        Language("en", "English", "eng_Latn", "latin", "SVO", ("ie", "germanic"), articles=True),
        Language(
            "de",
            "German",
            "deu_Latn",
            "latin",
            "SOV",
            ("ie", "germanic"),
            articles=True,
            contractions=True,
            noun_suffix="en",
            verb_suffix="t",
        ),
        Language(
            "es",
            "Spanish",
            "spa_Latn",
            "latin",
            "SVO",
            ("ie", "romance"),
            articles=True,
            adjective_after=True,
            contractions=True,
            noun_suffix="o",
            verb_suffix="ar",
        ),
        Language(
            "fr",
            "French",
            "fra_Latn",
            "latin",
            "SVO",
            ("ie", "romance"),
            articles=True,
            adjective_after=True,
            contractions=True,
            noun_suffix="e",
            verb_suffix="er",
        ),
        Language("ru", "Russian", "rus_Cyrl", "cyrillic", "SVO", ("ie", "steppe"), verb_suffix="it"),
        Language(
            "kk", "Kazakh", "kaz_Cyrl", "cyrillic", "SOV", ("steppe", "east"), postpositions=True, noun_suffix="lar"
        ),
        Language(
            "ja",
            "Japanese",
            "jpn_Jpan",
            "kana",
            "SOV",
            ("east",),
            postpositions=True,
            case_particles=True,
            spaces=False,
            full_stop="。",
        ),
        Language("ko", "Korean", "kor_Hang", "hangul", "SOV", ("east",), postpositions=True, case_particles=True),
        Language(
            "hi", "Hindi", "hin_Deva", "devanagari", "SOV", ("ie", "indoiranian"), postpositions=True, full_stop="।"
        ),
        Language("fa", "Persian", "pes_Arab", "arabic", "SOV", ("ie", "indoiranian"), adjective_after=True),
    ]
}

# How often a group's root survives for a concept: the relatedness between its languages.
GROUP_SHARE = {"ie": 0.25, "germanic": 0.6, "romance": 0.7, "indoiranian": 0.5, "steppe": 0.3, "east": 0.35}
TOPIC_SIZES = {"NOUN": 12, "VERB": 5, "ADJ": 4}
GENERAL_SIZES = {"NOUN": 15, "VERB": 8, "ADJ": 8, "ADV": 6, "DET": 4, "ADP": 6, "PRON": 5, "CCONJ": 1}
NAMES = ["anna", "marek", "sofi", "tomas", "lina", "karim", "elena", "omar", "nadia", "pavel", "rosa", "timur"]
CONTENT_UPOS = ("NOUN", "VERB", "ADJ", "ADV")


def _proto_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables))


def transliterate(proto: str, script: str) -> str:
    """Render a proto-alphabet string (consonant-vowel syllables) in ``script``."""
    if script == "latin":
        return proto
    if script in _TRANSLIT:
        return "".join(_TRANSLIT[script].get(ch, ch) for ch in proto)
    out, i = [], 0
    while i < len(proto):
        c = proto[i]
        v = proto[i + 1] if i + 1 < len(proto) and proto[i + 1] in VOWELS else "a"
        step = 2 if i + 1 < len(proto) and proto[i + 1] in VOWELS else 1
        if c in VOWELS:
            c, v, step = "n", c, 1
        if script == "hangul":
            out.append(chr(0xAC00 + (_HANGUL_INITIAL[c] * 21 + _HANGUL_VOWEL[v]) * 28))
        else:
            row, shift = _KANA_VOICED.get(c, (c, 0))
            row = row if row in _KANA_ROW else "n"
            out.append(chr(_KANA_ROW[row][VOWELS.index(v)] + shift))
        i += step
    return "".join(out)


class World:
    """The concept inventory and every language's word for each concept."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.concepts = []  # (concept id, upos, topic index or None)
        for topic in range(len(LABELS)):
            for upos, size in TOPIC_SIZES.items():
                self.concepts += [(f"t{topic}_{upos.lower()}{i}", upos, topic) for i in range(size)]
        for upos, size in GENERAL_SIZES.items():
            self.concepts += [(f"g_{upos.lower()}{i}", upos, None) for i in range(size)]
        self.by_upos: dict = {}
        for concept, upos, topic in self.concepts:
            self.by_upos.setdefault((upos, topic), []).append(concept)
        self.words = {code: {} for code in LANGUAGES}
        for concept, upos, _ in self.concepts:
            length = 1 if upos in ("DET", "ADP", "PRON", "CCONJ") else rng.choice((2, 2, 3))
            surviving = {g: _proto_word(rng, length) for g, p in GROUP_SHARE.items() if rng.random() < p}
            for code, lang in LANGUAGES.items():
                proto = next((surviving[g] for g in lang.groups if g in surviving), None)
                proto = proto or _proto_word(rng, length)
                suffix = {"NOUN": lang.noun_suffix, "VERB": lang.verb_suffix}.get(upos, "")
                self.words[code][concept] = transliterate(proto + suffix, lang.script)
        self.particles = {
            code: {role: transliterate(_proto_word(rng, 1), lang.script) for role in ("subj", "obj")}
            for code, lang in LANGUAGES.items()
        }

    def pick(self, rng: random.Random, upos: str, topic: int) -> str:
        if (upos, topic) in self.by_upos and rng.random() < 0.7:
            return rng.choice(self.by_upos[(upos, topic)])
        return rng.choice(self.by_upos[(upos, None)])

    def meaning(self, rng: random.Random, anchor_share: float) -> dict:
        """Sample one language-independent meaning: a topic and the concepts of a clause."""
        topic = rng.randrange(len(LABELS))

        def noun_phrase():
            if rng.random() < anchor_share / 2:
                return {"name": rng.choice(NAMES)}
            return {
                "det": self.pick(rng, "DET", topic) if rng.random() < 0.6 else None,
                "adj": self.pick(rng, "ADJ", topic) if rng.random() < 0.4 else None,
                "num": str(rng.randint(2, 999)) if rng.random() < anchor_share / 2 else None,
                "noun": self.pick(rng, "NOUN", topic),
            }

        subject = {"pron": self.pick(rng, "PRON", topic)} if rng.random() < 0.25 else noun_phrase()
        return {
            "topic": topic,
            "subject": subject,
            "verb": self.pick(rng, "VERB", topic),
            "adv": self.pick(rng, "ADV", topic) if rng.random() < 0.3 else None,
            "object": noun_phrase(),
            "pp": (self.pick(rng, "ADP", topic), noun_phrase()) if rng.random() < 0.5 else None,
        }

    def render(self, meaning: dict, code: str) -> list[tuple[str, str]]:
        """Render a meaning in one language as ``[(word, upos)]``."""
        lang, words = LANGUAGES[code], self.words[code]

        def phrase(np):
            if "pron" in np:
                return [(words[np["pron"]], "PRON")]
            if "name" in np:
                return [(transliterate(np["name"], lang.script).capitalize(), "PROPN")]
            out = [(words[np["det"]], "DET")] if np["det"] and lang.articles else []
            noun = [(np["num"], "NUM")] if np["num"] else []
            noun.append((words[np["noun"]], "NOUN"))
            adj = [(words[np["adj"]], "ADJ")] if np["adj"] else []
            return out + (noun + adj if lang.adjective_after else adj + noun)

        subject, obj = phrase(meaning["subject"]), phrase(meaning["object"])
        if lang.case_particles:
            subject.append((self.particles[code]["subj"], "ADP"))
            obj.append((self.particles[code]["obj"], "ADP"))
        verb = ([(words[meaning["adv"]], "ADV")] if meaning["adv"] else []) + [(words[meaning["verb"]], "VERB")]
        clause = subject + (obj + verb if lang.order == "SOV" else verb + obj)
        if meaning["pp"]:
            adp, np = meaning["pp"]
            pp = phrase(np) + [(words[adp], "ADP")] if lang.postpositions else [(words[adp], "ADP")] + phrase(np)
            clause = clause[: len(subject)] + pp + clause[len(subject) :] if lang.order == "SOV" else clause + pp
        return clause + [(lang.full_stop, "PUNCT")]


def surface(tokens, code: str) -> tuple[str, list]:
    """Join words into text; fuse ADP+DET into one token where the language contracts them.

    Returns the text and the token units: ``(form, [(word, upos), ...])``, more than one word
    for a multiword token.
    """
    lang = LANGUAGES[code]
    units, i = [], 0
    while i < len(tokens):
        if lang.contractions and tokens[i][1] == "ADP" and i + 1 < len(tokens) and tokens[i + 1][1] == "DET":
            units.append((tokens[i][0][:2] + tokens[i + 1][0][-1], tokens[i : i + 2]))
            i += 2
        else:
            units.append((tokens[i][0], tokens[i : i + 1]))
            i += 1
    sep = " " if lang.spaces else ""
    text = sep.join(form for form, _ in units[:-1]) + units[-1][0]
    return text, units


def conllu_block(sent_id: str, text: str, units, spaces: bool) -> str:
    lines, index = [f"# sent_id = {sent_id}", f"# text = {text}"], 1
    for position, (form, words) in enumerate(units):
        last = position == len(units) - 1
        misc = "_" if spaces and position < len(units) - 2 or last else "SpaceAfter=No"
        if len(words) > 1:
            lines.append(f"{index}-{index + len(words) - 1}\t{form}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
            misc = "_"
        for word, upos in words:
            head, rel = (0, "root") if upos == "VERB" else (1 if index != 1 else 0, "dep" if index != 1 else "root")
            lines.append(f"{index}\t{word}\t{word}\t{upos}\t_\t_\t{head}\t{rel}\t_\t{misc}")
            index += 1
    return "\n".join(lines) + "\n\n"


def _zip_moses(path: Path, corpus: str, pair: str, src_lines, tgt_lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {
        f"{corpus}.{pair}.{lang}": "".join(line + "\n" for line in lines)
        for lang, lines in zip(pair.split("-"), (src_lines, tgt_lines))
    }
    members["README"] = f"{corpus} {pair}: a synthetic corpus of the mini world.\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            # a fixed date: writestr stamps each member with the clock, and the same world must be the same bytes
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED)


def _noisy_parallel(rng: random.Random, pairs):
    """Add what real crawled corpora hold, so cleaning has work: duplicates, empties, copies, long lines."""
    noisy = []
    for src, tgt in pairs:
        noisy.append((src, tgt))
        roll = rng.random()
        if roll < 0.03:
            noisy.append((src, tgt))
        elif roll < 0.04:
            noisy.append(("", tgt))
        elif roll < 0.05:
            noisy.append((src, src))
        elif roll < 0.055:
            noisy.append((" ".join([src] * 40), " ".join([tgt] * 40)))
        elif roll < 0.1:
            noisy.append(("  " + src.replace(" ", "  \t"), tgt + " "))
    return noisy


def generate(out_dir, *, seed: int, sizes: dict, anchor_share: float, pairs, corpus: str = "MiniWorld") -> None:
    """Write the mini world under ``out_dir``: one mirror per source (opus, muse, flores, ud, sib200, mono, and
    each task's with a ``mini_world`` generator: wikiann). A task's generator draws from a random generator of
    its own, so the rest of the world is the same with or without it."""
    world = World(seed)
    rng = random.Random(seed + 1)

    def sample(n):
        return [world.meaning(rng, anchor_share) for _ in range(n)]

    def text(meaning, code):
        return surface(world.render(meaning, code), code)[0]

    with atomic_path(out_dir) as root:
        for pair in pairs:
            a, b = pair.split("-")
            rows = _noisy_parallel(rng, [(text(m, a), text(m, b)) for m in sample(sizes["parallel"])])
            _zip_moses(root / f"opus/OPUS-{corpus}/v1/moses/{pair}.txt.zip", corpus, pair, *zip(*rows))
        for split in ("dev", "devtest"):
            meanings = sample(sizes["flores"])
            folder = root / "flores/flores200_dataset" / split
            folder.mkdir(parents=True)
            for lang in LANGUAGES.values():
                (folder / f"{lang.flores}.{split}").write_text("".join(text(m, lang.code) + "\n" for m in meanings))
        for split in ("train", "dev", "test"):
            meanings = sample(sizes[f"ud_{split}"])
            for lang in LANGUAGES.values():
                path = root / f"ud/UD_{lang.name}-Mini/{lang.code}_mini-ud-{split}.conllu"
                path.parent.mkdir(parents=True, exist_ok=True)
                blocks = []
                for number, meaning in enumerate(meanings, 1):
                    sentence, units = surface(world.render(meaning, lang.code), lang.code)
                    blocks.append(conllu_block(f"mini-{split}-{number}", sentence, units, lang.spaces))
                path.write_text("".join(blocks))
        for split in ("train", "dev", "test"):
            meanings = sample(sizes[f"sib_{split}"])
            for lang in LANGUAGES.values():
                folder = root / "sib200/data/annotated" / lang.flores
                folder.mkdir(parents=True, exist_ok=True)
                rows = [f"{i}\t{LABELS[m['topic']]}\t{text(m, lang.code)}\n" for i, m in enumerate(meanings)]
                (folder / f"{split}.tsv").write_text("index_id\tcategory\ttext\n" + "".join(rows))
                (folder / "labels.txt").write_text("".join(label + "\n" for label in LABELS))
        content = [c for c, u, _ in world.concepts if u in CONTENT_UPOS]
        (root / "muse/dictionaries").mkdir(parents=True)
        for code in LANGUAGES:
            if code == "en":
                continue
            entries = [(world.words["en"][c], world.words[code][c]) for c in content]
            for name, rows in ((f"en-{code}", entries), (f"{code}-en", [(t, s) for s, t in entries])):
                (root / f"muse/dictionaries/{name}.txt").write_text("".join(f"{s} {t}\n" for s, t in rows))
        (root / "mono").mkdir()
        for code in LANGUAGES:
            buffer = io.StringIO()
            for meaning in sample(sizes["monolingual"]):
                buffer.write(text(meaning, code) + "\n")
            (root / f"mono/{code}.txt").write_text(buffer.getvalue())
        for task in TASKS.values():  # a task beyond the paper's writes its source with a generator of its own
            if task.mini_world:
                resolve(task.mini_world)(root / task.source, world, seed, sizes)
