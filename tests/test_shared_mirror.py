"""The real prepare rules on the real formats: every source points at ../shared/data as a mirror."""

import json
import zipfile

import numpy as np
import pytest
import yaml
from conftest import REPO, SHARED_DATA, needs_shared, snakemake
from safetensors.numpy import save_file

pytestmark = needs_shared
EVAL = ["de", "es", "fa", "fr", "hi", "ja", "kk", "ko", "ru"]


def shared_overlay(encoder_dir):
    """config/mirror-example.yaml (config/README.md, "Mirrors") with its paths made absolute, and ``encoder_dir`` as encoder."""
    text = (REPO / "config/mirror-example.yaml").read_text().replace("../shared/data", str(SHARED_DATA))
    overlay = yaml.safe_load(text)
    overlay["encoders"][0]["mirror"] = str(encoder_dir)
    return overlay


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("shared")
    encoder = workdir / "encoder_mirror"
    encoder.mkdir()
    (encoder / "config.json").write_text('{"model_type": "bert"}')
    save_file({"w": np.zeros(1, dtype=np.float32)}, encoder / "model.safetensors")
    snakemake(workdir, "--cores", "2", "data", overlays=[shared_overlay(encoder)])
    return workdir / "results/data"


def sentence_count(conllu):
    return sum(line.startswith("# sent_id") for line in conllu.open(encoding="utf-8"))


def jsonl(path):
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def test_ud_sentences_match_the_treebank_files(shared_run):
    ud = SHARED_DATA / "ud"
    assert (
        len(jsonl(shared_run / "ud/en/dev.jsonl")) == sentence_count(ud / "UD_English-EWT/en_ewt-ud-dev.conllu") == 2001
    )
    assert len(jsonl(shared_run / "ud/fr/test.jsonl")) == sentence_count(ud / "UD_French-GSD/fr_gsd-ud-test.conllu")
    assert len(jsonl(shared_run / "ud/hi/test.jsonl")) == sentence_count(ud / "UD_Hindi-PUD/hi_pud-ud-test.conllu")


def multiword_ranges(conllu, form):
    """(sentence index, first word id, last word id) of every multiword token spelled ``form``."""
    found, sentence = [], 0
    for line in conllu.open(encoding="utf-8"):
        if not line.strip():
            sentence += 1
        elif not line.startswith("#") and (columns := line.split("\t"))[0].count("-") == 1 and columns[1] == form:
            first, last = map(int, columns[0].split("-"))
            found.append((sentence, first, last))
    return found


@pytest.mark.parametrize(
    "lang, path, form, words",
    [
        ("fr", "UD_French-GSD/fr_gsd-ud-test.conllu", "du", ["de", "le"]),
        ("es", "UD_Spanish-GSD/es_gsd-ud-test.conllu", "del", ["de", "el"]),
    ],
)
def test_contractions_become_their_syntactic_words(shared_run, lang, path, form, words):
    sentences = jsonl(shared_run / f"ud/{lang}/test.jsonl")
    ranges = multiword_ranges(SHARED_DATA / "ud" / path, form)
    assert len(ranges) > 10
    for sentence, first, last in ranges:
        assert [w.lower() for w in sentences[sentence]["words"][first - 1 : last]] == words
        assert sentences[sentence]["upos"][first - 1 : last] == ["ADP", "DET"]


def test_sib_rows_match_the_files(shared_run):
    for lang, code, split, n in [
        ("en", "eng_Latn", "train", 701),
        ("en", "eng_Latn", "dev", 99),
        ("kk", "kaz_Cyrl", "test", 204),
    ]:
        raw = SHARED_DATA / f"sib200/data/annotated/{code}/{split}.tsv"
        prepared = (shared_run / f"sib200/{lang}/{split}.tsv").read_text(encoding="utf-8").splitlines()
        assert len(prepared) - 1 == n, (lang, split)
        assert raw.exists()


def test_flores_is_line_parallel_with_the_source_counts(shared_run):
    for split, n in [("dev", 510), ("devtest", 494)]:
        files = list((shared_run / f"flores/{split}").glob("*.txt"))
        assert len(files) == 15  # the 14 languages of Table 2 plus Persian (pes_Arab) for evaluation
        assert {len(f.read_text(encoding="utf-8").splitlines()) for f in files} == {n}


def test_parallel_corpora_are_cleaned_by_the_rules(shared_run):
    for pair in ("de-en", "en-kk", "ja-kk", "kk-ko"):
        src, tgt = pair.split("-")
        with zipfile.ZipFile(SHARED_DATA / f"opus/OPUS-DebianLibreOffice/v7.4.7/moses/{pair}.txt.zip") as archive:
            a = archive.read(f"DebianLibreOffice.{pair}.{src}").decode().split("\n")[:-1]
            b = archive.read(f"DebianLibreOffice.{pair}.{tgt}").decode().split("\n")[:-1]
        # by hand: distinct pairs, whitespace-normalised, non-empty, not identical, <= 1000 chars
        expected = {
            (" ".join(x.split()), " ".join(y.split()))
            for x, y in zip(a, b)
            if x.split()
            and y.split()
            and " ".join(x.split()) != " ".join(y.split())
            and len(x.strip()) <= 1000
            and len(y.strip()) <= 1000
        }
        prepared = (shared_run / f"parallel/{pair}.tsv").read_text(encoding="utf-8").splitlines()
        assert prepared[0] == f"{src}\t{tgt}"
        assert {tuple(row.split("\t")) for row in prepared[1:]} == expected


def test_lexicons_keep_every_distinct_word_pair(shared_run):
    raw = (SHARED_DATA / "muse/dictionaries/en-kk.txt").read_text(encoding="utf-8").split("\n")
    distinct = {tuple(line.split()) for line in raw if line.split()}
    assert len((shared_run / "lexicon/en-kk.tsv").read_text(encoding="utf-8").splitlines()) - 1 == len(distinct)
