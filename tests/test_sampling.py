"""A smoke run's subsets: seeded samples, stratified by label, the same rows for every reader."""

from collections import Counter

from align_transfer.core.sampling import limit_of, sample_rows


def test_a_sample_of_sorted_items_keeps_the_label_mix():
    labels = ["science"] * 60 + ["travel"] * 40 + ["sports"] * 20 + ["health"] * 84  # SIB-200's test: sorted by topic
    rows = sample_rows(len(labels), 32, seed=42, labels=labels)
    assert len(rows) == 32 and rows == sorted(rows) and len(set(rows)) == 32
    # 60, 40, 20 and 84 of 204 -> 9.4, 6.3, 3.1, 13.2 of 32: 9, 6, 3, 13 and the largest remainder, science, one more
    assert Counter(labels[row] for row in rows) == {"science": 10, "travel": 6, "sports": 3, "health": 13}
    assert rows != list(range(32))  # never the first rows of a sorted file


def test_the_same_rows_whatever_the_labels_are_written_as():
    names = ["b", "a", "b", "c", "a", "a", "c", "b", "a", "c"] * 5
    numbers = [{"a": 0, "b": 1, "c": 2}[name] for name in names]
    assert sample_rows(50, 12, 7, names) == sample_rows(50, 12, 7, numbers)  # tokenize_task's and the instance level's
    assert sample_rows(50, 12, 7, names) != sample_rows(50, 12, 8, names)


def test_no_limit_keeps_every_row_and_a_plain_sample_is_seeded():
    assert sample_rows(5, None, 0) == [0, 1, 2, 3, 4] and sample_rows(5, 9, 0) == [0, 1, 2, 3, 4]
    assert sample_rows(100, 10, 3) == sample_rows(100, 10, 3) and len(sample_rows(100, 10, 3)) == 10
    assert limit_of({"limits": {"test": 32, "train": None}, "seed": 42}, "test") == (32, 42)
    assert limit_of(None, "test") == (None, 0)
