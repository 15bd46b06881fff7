"""WikiANN's reader on a file in the dataset's own parquet format, its errors, and the task's tokenizer."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from align_transfer.core.io import InputError
from align_transfer.data.wikiann import TAGS, read_wikiann, write_wikiann

#: The first sentence of WikiANN's English train split, as the Hugging Face dataset stores it.
FIRST = {
    "tokens": ["R.H.", "Saunders", "(", "St.", "Lawrence", "River", ")", "(", "968", "MW", ")"],
    "ner_tags": [3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
    "langs": ["en"] * 11,
    "spans": ["ORG: R.H. Saunders ( St. Lawrence River ) ( 968 MW )"],
}
SECOND = {
    "tokens": ["Ada", "Lovelace", "lived", "in", "London", "."],
    "ner_tags": [1, 2, 0, 0, 5, 0],
    "langs": ["en"] * 6,
    "spans": ["PER: Ada Lovelace", "LOC: London"],
}
SCHEMA = pa.schema(
    [
        ("tokens", pa.list_(pa.string())),
        ("ner_tags", pa.list_(pa.int64())),
        ("langs", pa.list_(pa.string())),
        ("spans", pa.list_(pa.string())),
    ]
)


def parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


def test_the_reader_takes_wikianns_parquet_format(tmp_path):
    sentences = read_wikiann(parquet(tmp_path / "train-00000-of-00001.parquet", [FIRST, SECOND]))
    assert sentences[0] == {"words": FIRST["tokens"], "tags": ["B-ORG"] + ["I-ORG"] * 10}
    assert sentences[1]["tags"] == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]


def test_what_the_mini_world_writes_is_read_back_with_its_spans(tmp_path):
    sentences = [{"words": SECOND["tokens"], "tags": [TAGS[t] for t in SECOND["ner_tags"]]}]
    write_wikiann(tmp_path / "x.parquet", sentences, "en")
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.schema.equals(SCHEMA) and table["spans"].to_pylist() == [SECOND["spans"]]
    assert read_wikiann(tmp_path / "x.parquet") == sentences


@pytest.mark.parametrize(
    "row, message",
    [
        (FIRST | {"ner_tags": [3, 4]}, "row 2: 11 tokens but 2 tags"),
        (FIRST | {"ner_tags": [3] + [9] * 10}, "row 2: tag id 9 is not one of WikiANN's 7"),
        (FIRST | {"tokens": [], "ner_tags": []}, "row 2: a sentence without tokens"),
    ],
)
def test_a_bad_row_is_an_error_naming_the_file_and_the_row(tmp_path, row, message):
    path = parquet(tmp_path / "test-00000-of-00001.parquet", [SECOND, row])
    with pytest.raises(InputError, match=message) as error:
        read_wikiann(path)
    assert str(path) in str(error.value)
    (tmp_path / "not.parquet").write_text("tokens,ner_tags\n")
    with pytest.raises(InputError, match="is not a WikiANN parquet file"):
        read_wikiann(tmp_path / "not.parquet")


def test_the_tokenizer_puts_each_word_s_tag_on_its_first_sub_token(tmp_path, tiny):
    from align_transfer.core.modeling import load_tokenizer
    from align_transfer.data.tasks import tokenize_ner
    from align_transfer.data.ud import write_jsonl

    write_jsonl(tmp_path / "ner.jsonl", read_wikiann(parquet(tmp_path / "t.parquet", [SECOND])))
    tokenizer = load_tokenizer(tiny / "encoder")
    encoded = tokenize_ner(tmp_path / "ner.jsonl", tokenizer, 64)
    labels = [label for label in encoded["labels"][0] if label != -100]
    assert labels == SECOND["ner_tags"]  # one label per word, WikiANN's ids are the registry's
