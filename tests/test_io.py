import pytest

from align_transfer.core.io import InputError, all_or_nothing, atomic_open


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


def test_a_full_disk_names_the_output_and_keeps_nothing(tmp_path, monkeypatch):
    import errno
    import os

    from align_transfer.core.io import WriteError

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = tmp_path / "results" / "table.csv"
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(WriteError, match=r"^cannot write .*results/table\.csv: the disk is full") as error:
        with atomic_open(target) as out:
            out.write("x")
    assert error.value.__cause__ is None and list(target.parent.iterdir()) == []


def test_an_input_error_names_the_mirror_file_the_user_gave():
    from align_transfer.ops.runner import describe, user_path

    config = {
        "sources": {"sib200": {"mirror": "/data/sib"}, "opus": {"mirror": None}},
        "data": {"lexicons": [{"pair": "en-kk", "source": "/mine/en-kk.txt"}]},
    }
    error = InputError("resources/sib200/data/annotated/kaz_Cyrl/test.tsv", "label 'weather'", line=3)
    assert describe(error, config) == (
        "/data/sib/data/annotated/kaz_Cyrl/test.tsv (copied to resources/sib200/data/annotated/kaz_Cyrl/test.tsv):3: label 'weather'"
    )
    assert user_path("resources/muse/dictionaries/en-kk.txt", config).startswith("/mine/en-kk.txt (copied to")
    opus = "resources/opus/OPUS-X/v1/moses/de-en.txt.zip!X.de-en.de"
    assert user_path(opus, config) == opus  # fetched from its URL: the copy is the user's file
    assert user_path("results/data/x.tsv", config) == "results/data/x.tsv"
    config["encoders"] = [{"name": "hub", "mirror": None}, {"name": "mine", "mirror": "/models/mine"}]
    assert (
        user_path("resources/encoders/mine/config.json", config)
        == "/models/mine/config.json (copied to resources/encoders/mine/config.json)"
    )
    assert user_path("resources/encoders/hub/config.json", config) == "resources/encoders/hub/config.json"


def test_logged_writes_an_unexpected_error_with_its_traceback_into_the_rule_log(tmp_path):
    from types import SimpleNamespace

    from align_transfer.ops.runner import logged

    job = SimpleNamespace(log=[str(tmp_path / "rule.log")], rule="demo", config={}, threads=1)
    with pytest.raises(ZeroDivisionError):
        with logged(job):
            1 / 0
    text = (tmp_path / "rule.log").read_text()
    assert "rule demo failed" in text and "ZeroDivisionError" in text and "Traceback" in text
    with pytest.raises(SystemExit, match=r"error: x\.tsv:2: bad"):
        with logged(job):
            raise InputError("x.tsv", "bad", line=2)
    assert (tmp_path / "rule.log").read_text().strip().endswith("ERROR align_transfer: x.tsv:2: bad")


def test_each_attempt_of_a_job_keeps_its_lines_in_the_log(tmp_path):
    """Snakemake empties a rule's log before each attempt; the log of the attempt that succeeds still holds the
    earlier attempts' lines, each under a header of its own, and nothing is left beside it afterwards."""
    import logging
    from types import SimpleNamespace

    from align_transfer.core.state import Stopped
    from align_transfer.ops.runner import logged

    log = tmp_path / "logs/align.log"
    job = SimpleNamespace(log=[str(log)], rule="align", config={}, threads=1)
    with pytest.raises(SystemExit):
        with logged(job):
            logging.getLogger("align_transfer.alignment.align").warning("SIGUSR1 received: saving the state")
            raise Stopped("alignment S1W0M1: stopped at SIGUSR1 after saving its state")
    log.unlink()  # what snakemake does before the retry
    with logged(job):
        logging.getLogger("align_transfer.alignment.align").info("resuming S1W0M1 from step 500")
    text = log.read_text()
    first, second = text.index("── attempt 1: pid "), text.index("── attempt 2: pid ")
    assert first < text.index("SIGUSR1 received") < text.index("stopped at SIGUSR1") < second
    assert second < text.index("resuming S1W0M1 from step 500")
    assert list(log.parent.iterdir()) == [log]  # the attempts' file goes once an attempt succeeds
    with pytest.raises(SystemExit, match="^130$"):  # Ctrl-C: one line in the log, no traceback
        with logged(job):
            raise KeyboardInterrupt
    assert "interrupted (Ctrl-C)" in log.read_text() and "Traceback" not in log.read_text()


def test_a_job_s_own_measurement_agrees_with_usr_bin_time(tmp_path):
    """What `logged` writes to benchmarks/X.job.tsv (the process that runs the job: under the warm worker its
    forked child, which snakemake's benchmark of the hand-over process never sees) against /usr/bin/time's
    account of the same process."""
    import csv
    import re
    import subprocess
    import sys

    script = """
import time
from types import SimpleNamespace
from align_transfer.ops.runner import logged
job = SimpleNamespace(log=["logs/demo/job.log"], rule="demo", config={}, threads=1)
with logged(job):
    block = bytearray(300 * 1024 * 1024)  # 300 MB, touched
    for i in range(0, len(block), 4096):
        block[i] = 1
    end = time.process_time() + 1.5
    while time.process_time() < end:
        pass
"""
    result = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    timed = dict(re.findall(r"^\s*(.+?): (.+)$", result.stderr, re.M))
    cpu = float(timed["User time (seconds)"]) + float(timed["System time (seconds)"])
    rss = int(timed["Maximum resident set size (kbytes)"]) / 1024
    h, m, s = (["0"] + timed["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
    wall = int(h) * 3600 + int(m) * 60 + float(s)
    with open(tmp_path / "benchmarks/demo/job.job.tsv") as handle:
        row = next(csv.DictReader(handle, delimiter="\t"))
    assert abs(float(row["cpu_time"]) - cpu) <= 0.1 * cpu + 0.05, (row, cpu)
    assert abs(float(row["max_rss"]) - rss) <= 0.05 * rss, (row, rss)
    assert wall - 0.5 <= float(row["s"]) <= wall + 0.05, (row, wall)
    assert "resources: " in (tmp_path / "logs/demo/job.log").read_text()
