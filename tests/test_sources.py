import hashlib
import json
import tarfile

import numpy as np
import pytest
from safetensors.numpy import save_file

from align_transfer.data.lock import LockMismatch, check_or_record, read_lock
from align_transfer.data.sources import SourceError, fetch_encoder, fetch_file, fetch_flores, fetch_location, file_url

NO_RETRY = {"retries": 2, "backoff": 0.0, "timeout": 2.0}


def mirror_with(tmp_path, relpath, text):
    path = tmp_path / "mirror" / relpath
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return tmp_path / "mirror"


def test_fetch_file_reads_a_mirror_laid_out_like_the_source(tmp_path):
    mirror = mirror_with(tmp_path, "UD_English-EWT/en_ewt-ud-dev.conllu", "content")
    source = {"url": "https://unused/{treebank}/{file}", "mirror": str(mirror)}
    dest = tmp_path / "out" / "en_ewt-ud-dev.conllu"
    fetch_file("ud", source, {"treebank": "UD_English-EWT", "file": "en_ewt-ud-dev.conllu"}, dest, NO_RETRY)
    assert dest.read_text() == "content"


def test_a_file_missing_from_the_mirror_says_which_and_where(tmp_path):
    mirror = mirror_with(tmp_path, "dictionaries/en-de.txt", "a b\n")
    with pytest.raises(SourceError, match=r"source 'muse': .*dictionaries/en-fr\.txt is missing from the mirror"):
        fetch_file("muse", {"url": "x", "mirror": str(mirror)}, {"pair": "en-fr"}, tmp_path / "o.txt", NO_RETRY)


def test_a_fetched_file_is_recorded_in_the_lock_then_checked_against_it(tmp_path):
    mirror = mirror_with(tmp_path, "dictionaries/en-de.txt", "a b\n")
    good = hashlib.sha256(b"a b\n").hexdigest()
    dest, lock = tmp_path / "out" / "en-de.txt", tmp_path / "config/inputs.lock"
    source = {"url": "x", "mirror": str(mirror)}
    fetch_file("muse", source, {"pair": "en-de"}, dest, NO_RETRY, lock=lock)
    assert dest.read_text() == "a b\n" and read_lock(lock) == {"muse/dictionaries/en-de.txt": good}
    assert f"{good}  muse/dictionaries/en-de.txt\n" in lock.read_text()  # sha256sum's format
    dest.unlink()
    (mirror / "dictionaries/en-de.txt").write_text("a c\n")  # the source changed under the same name
    bad = hashlib.sha256(b"a c\n").hexdigest()
    with pytest.raises(LockMismatch) as error:
        fetch_file("muse", source, {"pair": "en-de"}, dest, NO_RETRY, lock=lock)
    message = str(error.value)
    assert str(mirror / "dictionaries/en-de.txt") in message and good in message and bad in message
    assert "delete that line" in message
    assert (
        not dest.exists()
        and list(dest.parent.iterdir()) == []
        and read_lock(lock)["muse/dictionaries/en-de.txt"] == good
    )


def test_the_lock_keeps_every_entry_and_refuses_a_malformed_line(tmp_path):
    lock = tmp_path / "inputs.lock"
    assert check_or_record(lock, {"b/x": "1" * 64, "a/y": "2" * 64}, {}) == ["a/y", "b/x"]
    assert check_or_record(lock, {"a/y": "2" * 64, "c/z": "3" * 64}, {}) == ["c/z"]
    assert list(read_lock(lock)) == ["a/y", "b/x", "c/z"]  # sorted, nothing lost
    lock.write_text(lock.read_text() + "not a digest\n")
    with pytest.raises(LockMismatch, match=r"inputs.lock:7: expected '<sha256>  <path>'"):
        read_lock(lock)


def test_a_url_is_filled_with_the_files_pinned_revision():
    ud = {"url": "https://h/{treebank}/{revision}/{file}", "revision": {"UD_English-EWT": "c0ffee"}}
    assert (
        file_url("ud", ud, {"treebank": "UD_English-EWT", "file": "a.conllu"})
        == "https://h/UD_English-EWT/c0ffee/a.conllu"
    )
    with pytest.raises(SourceError, match="names no revision for"):
        file_url("ud", ud, {"treebank": "UD_German-GSD", "file": "b.conllu"})
    sib = {"url": "https://h/{revision}/{code}.tsv", "revision": "abc"}
    assert file_url("sib200", sib, {"code": "eng_Latn"}) == "https://h/abc/eng_Latn.tsv"


def test_an_offline_download_names_the_source_and_the_mirror_setting(tmp_path):
    source = {"url": "http://127.0.0.1:9/OPUS-{corpus}/{version}/moses/{pair}.txt.zip"}
    fields = {"corpus": "Europarl", "version": "v8", "pair": "de-en"}
    with pytest.raises(SourceError) as error:
        fetch_file("opus", source, fields, tmp_path / "de-en.txt.zip", NO_RETRY)
    message = str(error.value)
    assert "source 'opus' failed" in message and "after 2 attempts" in message
    assert "http://127.0.0.1:9/OPUS-Europarl/v8/moses/de-en.txt.zip" in message
    assert "set `sources.opus.mirror`" in message
    assert not (tmp_path / "de-en.txt.zip").exists()


def test_fetch_location_downloads_urls(tmp_path):
    origin = tmp_path / "alt.txt"
    origin.write_text("en kk\n")
    fetch_location("muse", origin.as_uri(), tmp_path / "got.txt", NO_RETRY, key="muse/dictionaries/en-kk.txt")
    assert (tmp_path / "got.txt").read_text() == "en kk\n"


def test_flores_tarball_is_extracted_for_the_wanted_languages(tmp_path):
    tree = tmp_path / "src"
    for split in ("dev", "devtest"):
        for code in ("eng_Latn", "deu_Latn", "fra_Latn"):
            path = tree / "flores200_dataset" / split / f"{code}.{split}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{code} {split}\n")
    tarball = tmp_path / "flores200_dataset.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tree / "flores200_dataset", arcname="flores200_dataset")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    source = {"url": tarball.as_uri()}
    dest, lock = tmp_path / "resources" / "flores", tmp_path / "inputs.lock"
    fetch_flores(source, ["eng_Latn", "deu_Latn"], ["dev", "devtest"], dest, NO_RETRY, lock=lock)
    assert read_lock(lock) == {"flores/flores200_dataset.tar.gz": digest}
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert got == [f"flores200_dataset/{s}/{c}.{s}" for s in ("dev", "devtest") for c in ("deu_Latn", "eng_Latn")]
    # the same tree read as a mirror gives the same files
    mirrored = tmp_path / "mirrored"
    fetch_flores(
        {"url": "x", "mirror": str(tree)}, ["eng_Latn", "deu_Latn"], ["dev", "devtest"], mirrored, NO_RETRY, lock=lock
    )
    assert (mirrored / "flores200_dataset/dev/deu_Latn.dev").read_text() == "deu_Latn dev\n"
    assert read_lock(lock)["flores/flores200_dataset/dev/deu_Latn.dev"] == hashlib.sha256(b"deu_Latn dev\n").hexdigest()


def test_encoder_mirror_is_copied_without_pickles(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "bert"}))
    save_file({"w": np.zeros(2, dtype=np.float32)}, model / "model.safetensors")
    (model / "pytorch_model.bin").write_bytes(b"pickle")
    dest, lock = tmp_path / "resources/encoders/mine", tmp_path / "inputs.lock"
    fetch_encoder({"mirror": str(model)}, dest, lock=lock, key="encoders/mine")
    assert sorted(p.name for p in dest.iterdir()) == ["config.json", "model.safetensors"]
    assert set(read_lock(lock)) == {"encoders/mine/config.json", "encoders/mine/model.safetensors"}
    with pytest.raises(SourceError, match="not a Hugging Face model folder"):
        fetch_encoder({"mirror": str(tmp_path / "nothing")}, tmp_path / "other")


def test_every_configured_url_fills_from_its_layouts_fields():
    import string

    import yaml
    from conftest import REPO

    from align_transfer.core.tasks import SOURCE_LAYOUTS as LAYOUTS

    sources = yaml.safe_load((REPO / "config/config.yaml").read_text())["sources"]
    for name, layout in LAYOUTS.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(layout) if f}
        used = {f for _, f, _, _ in string.Formatter().parse(sources[name]["url"]) if f}
        assert used <= fields | {"revision"}, (name, used - fields)
        assert ("revision" in used) == ("revision" in sources[name]), name  # every GitHub source is pinned


def test_the_committed_lock_pins_the_papers_ud_and_sib_files_at_their_commits():
    import yaml
    from conftest import REPO

    paper = yaml.safe_load((REPO / "config/config.yaml").read_text())
    languages = [paper["languages"][code] for code in [paper["finetune"]["source"], *paper["evaluation"]["languages"]]]
    locked = read_lock(REPO / "config/inputs.lock")
    assert all(len(commit) == 40 for commit in paper["sources"]["ud"]["revision"].values())
    assert set(paper["sources"]["ud"]["revision"]) == {language["treebank"] for language in languages}
    assert {f"sib200/data/annotated/{language['sib']}/test.tsv" for language in languages[1:]} <= set(locked)
    assert (
        sum(name.startswith("ud/") for name in locked) == 9
    )  # the repositories read offline lacked EWT train and HDTB test
