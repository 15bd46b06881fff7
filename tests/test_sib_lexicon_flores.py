import pytest

from align_transfer.core.io import InputError
from align_transfer.data.flores import read_flores, write_flores
from align_transfer.data.lexicon import read_muse
from align_transfer.data.sib200 import LABELS, read_sib_tsv, write_sib_tsv


def test_sib_reads_quoted_text_and_round_trips(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text('index_id\tcategory\ttext\n7\tsports\t"""Yes,"" he said\tloudly."\n8\thealth\tplain  text\n')
    rows = read_sib_tsv(path)
    assert rows == [
        {"index_id": "7", "label": "sports", "text": '"Yes," he said loudly.'},
        {"index_id": "8", "label": "health", "text": "plain text"},
    ]
    out = tmp_path / "out.tsv"
    write_sib_tsv(out, rows)
    assert out.read_text().splitlines()[0] == "index_id\tlabel\ttext"


def test_sib_label_outside_the_set_names_file_and_line(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text("index_id\tcategory\ttext\n1\ttravel\tok\n2\tweather\tbad\n")
    with pytest.raises(InputError, match=r"dev\.tsv:3: label 'weather' is not one of the 7 labels"):
        read_sib_tsv(path)
    assert len(LABELS) == 7


def test_sib_an_unclosed_quote_fails_on_its_line_instead_of_swallowing_the_rest(tmp_path):
    path = tmp_path / "test.tsv"
    rows = [f"{i}\ttravel\ttext {i}" for i in range(100)]
    rows[1] = '1\ttravel\t"text 1 with an open quote'
    path.write_text("index_id\tcategory\ttext\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"test\.tsv:3: unbalanced quote in a field"):
        read_sib_tsv(path)
    rows[1] = '1\ttravel\t"a field that goes on\nover two lines"'  # a newline inside a quoted field
    path.write_text("index_id\tcategory\ttext\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"test\.tsv:3: unbalanced quote"):
        read_sib_tsv(path)


def test_sib_ids_are_unique_and_every_line_is_one_record(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text("index_id\tcategory\ttext\n5\ttravel\ta\n6\thealth\tb\n5\tsports\tc\n")
    with pytest.raises(InputError, match=r"dev\.tsv:4: index_id 5 repeats line 2"):
        read_sib_tsv(path)
    path.write_text("index_id\tcategory\ttext\n5\ttravel\ta\n\n6\thealth\tb\r\n")
    assert [row["index_id"] for row in read_sib_tsv(path)] == ["5", "6"]
    path.write_text("id\tcategory\ttext\n5\ttravel\ta\n")
    with pytest.raises(InputError, match=r"dev\.tsv:1: expected the header"):
        read_sib_tsv(path)


def test_muse_malformed_line(tmp_path):
    path = tmp_path / "en-de.txt"
    path.write_text("dog hund\ncat katze\nthree words here\n")
    with pytest.raises(InputError, match=r"en-de\.txt:3: expected 'source target'"):
        read_muse(path)


def test_muse_deduplicates_in_order(tmp_path):
    path = tmp_path / "en-de.txt"
    path.write_text("dog hund\ndog\thund\ndog köter\n")
    assert read_muse(path) == [("dog", "hund"), ("dog", "köter")]


def test_flores_files_must_be_line_parallel(tmp_path):
    (tmp_path / "a").write_text("one\ntwo\n")
    (tmp_path / "b").write_text("eins\n")
    with pytest.raises(InputError, match=r"b: has 1 lines but .*a has 2"):
        read_flores({"eng": tmp_path / "a", "deu": tmp_path / "b"})


def test_flores_write_is_all_or_nothing(tmp_path):
    texts = {"eng": ["one"], "deu": ["eins"]}
    outs = {"eng": tmp_path / "eng.txt", "deu": tmp_path / "sub" / "deu.txt"}
    write_flores(texts, outs)
    assert outs["deu"].read_text() == "eins\n"
    with pytest.raises(KeyError):
        write_flores({"eng": ["one"]}, outs)  # deu missing: nothing may stay behind
    assert not outs["eng"].exists() and not outs["deu"].exists()
