"""The data layer end to end on the mini world, and bad input through the real rules."""

import json

import pytest

from conftest import REPO, snakemake

MINI = REPO / "config/mini.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("mini")
    snakemake(workdir, "--cores", "2", overlays=[MINI])
    return workdir


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_every_prepared_input_exists_with_the_configured_sizes(mini_run):
    data = mini_run / "results/data"
    assert len(lines(data / "parallel/de-en.tsv")) == 1 + 1500  # header + cap
    assert len(lines(data / "parallel/ja-kk.tsv")) == 1 + 1200
    assert len(lines(data / "ud/en/train.jsonl")) == 500
    assert len(lines(data / "ud/kk/test.jsonl")) == 100
    assert len(lines(data / "sib200/en/train.tsv")) == 1 + 350
    assert {len(lines(p)) for p in (data / "flores/devtest").glob("*.txt")} == {150}
    assert len(list((data / "flores/devtest").glob("*.txt"))) == 10
    assert len(list((data / "lexicon").glob("*.tsv"))) == 9
    sentence = json.loads(lines(data / "ud/fr/test.jsonl")[0])
    assert len(sentence["words"]) == len(sentence["upos"]) > 2


def test_a_second_run_has_nothing_to_do(mini_run):
    result = snakemake(mini_run, "--cores", "2", "-n", overlays=[MINI])
    assert "Nothing to be done" in result.stdout + result.stderr


def fails_cleanly(workdir, target, *expected, overlays=(MINI,)):
    result = snakemake(workdir, "--cores", "1", target, "--force", overlays=overlays, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for text in expected:
        assert text in output, output[-3000:]
    assert not (workdir / target).exists()


def test_malformed_conllu_fails_with_file_and_line(mini_run):
    raw = mini_run / "resources/ud/UD_German-Mini/de_mini-ud-test.conllu"
    good = raw.read_text()
    broken = good.splitlines()
    broken[3] = broken[3].rsplit("\t", 1)[0]  # drop the MISC column
    raw.write_text("\n".join(broken) + "\n")
    try:
        fails_cleanly(mini_run, "results/data/ud/de/test.jsonl", "de_mini-ud-test.conllu:4: expected 10 tab-separated columns")
    finally:
        raw.write_text(good)


def test_a_label_outside_the_set_fails_with_file_and_line(mini_run):
    raw = mini_run / "resources/sib200/data/annotated/kaz_Cyrl/test.tsv"
    good = raw.read_text()
    rows = good.splitlines()
    index_id, _, text = rows[2].split("\t")
    rows[2] = "\t".join([index_id, "weather", text])
    raw.write_text("\n".join(rows) + "\n")
    try:
        fails_cleanly(mini_run, "results/data/sib200/kk/test.tsv", "kaz_Cyrl/test.tsv:3: label 'weather'")
    finally:
        raw.write_text(good)


def test_a_wrong_checksum_fails_and_keeps_nothing(mini_run):
    overlay = {"sources": {"muse": {"sha256": {"dictionaries/en-de.txt": "ab" * 32}}}}
    fails_cleanly(
        mini_run,
        "resources/muse/dictionaries/en-de.txt",
        "checksum mismatch for muse file",
        "expected sha256 " + "ab" * 32,
        overlays=(MINI, overlay),
    )
