import zipfile

import pytest

from align_transfer.core.io import InputError
from align_transfer.data.parallel import clean_pairs, prepare_parallel, read_moses_zip, read_parallel_tsv


def make_zip(path, pair, src_lines, tgt_lines, corpus="Test"):
    src, tgt = pair.split("-")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{corpus}.{pair}.{src}", "".join(line + "\n" for line in src_lines))
        archive.writestr(f"{corpus}.{pair}.{tgt}", "".join(line + "\n" for line in tgt_lines))
        archive.writestr("README", "test")
    return path


def test_clean_pairs_drops_each_kind_and_counts_it():
    src = ["a  b", "", "same", "x" * 11, "a b", "c\td", "e"]
    tgt = ["A B", "Z", "same", "long", "A  B", "C D", "E"]
    pairs, report = clean_pairs(src, tgt, max_chars=10, cap=100, seed=0, label="t")
    # by hand: "a  b"/"A B" kept (normalised), "" empty, "same" identical, 11 chars over-long,
    # "a b"/"A  B" duplicates the first after normalisation, "c d"/"C D" and "e"/"E" kept
    assert sorted(pairs) == [("a b", "A B"), ("c d", "C D"), ("e", "E")]
    assert (report.read, report.empty, report.identical, report.too_long, report.duplicate) == (7, 1, 1, 1, 1)
    assert report.kept == 3


def test_clean_pairs_shuffle_is_seeded_and_cap_keeps_a_prefix():
    src = [f"s{i}" for i in range(50)]
    tgt = [f"t{i}" for i in range(50)]
    first, _ = clean_pairs(src, tgt, max_chars=10, cap=50, seed=42, label="t")
    again, _ = clean_pairs(src, tgt, max_chars=10, cap=50, seed=42, label="t")
    capped, report = clean_pairs(src, tgt, max_chars=10, cap=20, seed=42, label="t")
    other, _ = clean_pairs(src, tgt, max_chars=10, cap=50, seed=7, label="t")
    assert first == again and capped == first[:20] and report.capped == 20
    assert first != other and sorted(first) == sorted(other)


def test_empty_corpus_after_filtering_names_the_file(tmp_path):
    archive = make_zip(tmp_path / "de-en.txt.zip", "de-en", ["", "same"], ["x", "same"])
    out = tmp_path / "de-en.tsv"
    with pytest.raises(InputError, match=r"de-en\.txt\.zip: no sentence pairs left after filtering"):
        prepare_parallel(archive, out, pair="de-en", max_chars=100, cap=10, seed=0)
    assert not out.exists()


def test_unequal_line_counts_name_both_files(tmp_path):
    archive = make_zip(tmp_path / "de-en.txt.zip", "de-en", ["a", "b", "c"], ["A", "B"])
    with pytest.raises(InputError, match=r"Test\.de-en\.de: has 3 lines but Test\.de-en\.en has 2"):
        read_moses_zip(archive, "de-en")


def test_line_separators_inside_a_sentence_do_not_split_it(tmp_path):
    archive = make_zip(tmp_path / "de-en.txt.zip", "de-en", ["a\u2028b", "c"], ["A", "C"])
    src, tgt = read_moses_zip(archive, "de-en")
    assert src == ["a\u2028b", "c"] and tgt == ["A", "C"]


def test_prepare_parallel_round_trip(tmp_path):
    archive = make_zip(tmp_path / "en-kk.txt.zip", "en-kk", ["one", "two", "three"], ["бір", "екі", "үш"])
    out = tmp_path / "en-kk.tsv"
    report = prepare_parallel(archive, out, pair="en-kk", max_chars=100, cap=2, seed=1)
    assert out.read_text().splitlines()[0] == "en\tkk"
    src, tgt = read_parallel_tsv(out)
    assert len(src) == 2 == report.capped
    assert {dict(zip(["one", "two", "three"], ["бір", "екі", "үш"]))[s] for s in src} == set(tgt)


def test_an_archive_that_is_not_a_zip_or_holds_links_is_refused(tmp_path):
    import os
    import stat
    import zipfile

    fake = tmp_path / "fake.txt.zip"
    fake.write_text("<html>Not found</html>")
    with pytest.raises(InputError, match=r"fake\.txt\.zip: is not a zip archive"):
        read_moses_zip(fake, "de-en")
    linked = tmp_path / "linked.txt.zip"
    with zipfile.ZipFile(linked, "w") as archive:
        for lang in ("de", "en"):
            info = zipfile.ZipInfo(f"X.de-en.{lang}")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16  # a symbolic link member, as `zip -y` stores it
            archive.writestr(info, os.fspath(tmp_path / "elsewhere"))
    with pytest.raises(InputError, match=r"member X\.de-en\.de is not a regular file"):
        read_moses_zip(linked, "de-en")
