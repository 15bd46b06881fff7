import pytest

from align_transfer.io import InputError, all_or_nothing, atomic_open


def test_atomic_open_writes_on_success(tmp_path):
    target = tmp_path / "out" / "file.txt"
    with atomic_open(target) as out:
        out.write("done\n")
    assert target.read_text() == "done\n"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_atomic_open_leaves_nothing_on_failure_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "file.txt"
    with pytest.raises(RuntimeError):
        with atomic_open(target) as out:
            out.write("half")
            raise RuntimeError("killed")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as out:
            raise RuntimeError("killed")
    assert target.read_text() == "old"


def test_all_or_nothing_removes_the_outputs_already_written(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    with pytest.raises(InputError):
        with all_or_nothing([first, second]):
            first.write_text("complete")
            raise InputError(second, "bad", line=3)
    assert not first.exists() and not second.exists()


def test_input_error_names_file_and_line():
    assert str(InputError("x.conllu", "bad column", line=7)) == "x.conllu:7: bad column"
