"""The compact console (``--logger brief``): the live summary's numbers against a hand count, its height, and
a real run on a pseudo-terminal of 40 lines and off a terminal."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios

from conftest import MINI, REPO, SNAKEMAKE

from snakemake_logger_plugin_brief import RunProgress

ROWS, COLUMNS = 40, 120


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_left_is_each_rules_jobs_left_times_its_mean_shared_by_the_jobs_run_side_by_side():
    clock = Clock()
    run = RunProgress(clock)
    run.planned({"align": 3, "table": 2, "all": 1, "total": 6})
    run.job_started(1, "align", "align a")
    run.job_started(2, "align", "align b")
    clock.now = 10.0
    run.job_ended(1)  # 10 s
    run.job_ended(2)  # 10 s: 20 s of work in 10 s, two side by side
    assert run.seconds_left() is not None
    # align: 1 job left x 10 s; table: 2 jobs x 10 s (every finished job's mean, none of its own); / 2
    assert run.seconds_left() == (1 * 10 + 2 * 10) / 2
    assert run.seconds_left("table") == 2 * 10 / 2
    run.job_started(3, "table", "table x")
    clock.now = 11.0
    run.job_ended(3)  # 1 s
    side_by_side = (10 + 10 + 1) / 11
    assert run.seconds_left() == (1 * 10 + 1 * 1) / side_by_side
    assert (run.done, run.total) == (3, 5)


def test_the_summary_fits_its_height_with_running_rules_first_and_finished_ones_in_a_line():
    clock = Clock()
    run = RunProgress(clock)
    run.planned({f"rule{n:02d}": 2 for n in range(60)})
    for job, rule in enumerate(["rule00", "rule01"]):  # two rules finish
        for step in range(2):
            run.job_started(10 * job + step, rule, rule)
            run.job_ended(10 * job + step)
    run.job_started(99, "rule50", "rule50 x")
    run.job_started(98, "rule51", "rule51 y")
    clock.now = 5.0
    run.job_ended(98, failed=True)
    run.failures.append(("rule51 y", ["    log: logs/y.log", "    | it broke"]))
    lines = run.summary(height=20)
    assert len(lines) <= 20
    assert lines[0].startswith("4/120 jobs done, 1 running, 1 failed · 5s elapsed")
    assert lines[2].split()[:4] == ["rule50", "0", "1", "2"]  # the running rule first
    assert "  ✓ 2 rules finished (4 jobs)" in lines and any(line.startswith("  … ") for line in lines)
    assert lines[-3:] == ["✗ rule51 y", "    log: logs/y.log", "    | it broke"]


def run_on_a_terminal(command, cwd):
    """``command``'s output as a terminal of ROWS x COLUMNS receives it, and its exit status."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(command, cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary)
    os.close(secondary)
    output = b""
    while True:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(main)
    return output, process.wait(timeout=60)


def test_a_run_with_a_failure_fits_a_40_line_terminal_and_prints_a_line_per_job_elsewhere(tmp_path):
    import pyte

    (tmp_path / "broken.yaml").write_text("sources:\n  ud:\n    mirror: /nonexistent/ud\n")
    targets = [
        "results/MiniXLM-R/tables/table4.csv",
        "results/data/flores/devtest/deu_Latn.txt",
        "results/data/sib200/de/test.tsv",
        "results/data/ud/de/test.jsonl",  # fails: its mirror is missing
    ]

    def command(directory):
        return [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-d", str(directory), "--cores", "2"] + [
            "--keep-going",
            "--logger=brief",
            "--configfile",
            str(MINI),
            "broken.yaml",
            "--",
            *targets,
        ]

    output, status = run_on_a_terminal(command(tmp_path / "tty"), tmp_path)
    assert status == 1
    screen = pyte.HistoryScreen(COLUMNS, ROWS, history=10_000)
    pyte.ByteStream(screen).feed(output)
    assert not screen.history.top, "lines scrolled off a 40-line screen"
    shown = [line.rstrip() for line in screen.display if line.strip()]
    summary = next((i for i, line in enumerate(shown) if " jobs done, " in line and "1 failed" in line), None)
    assert summary is not None, "\n".join(shown)
    assert shown[summary + 1].split() == ["rule", "done", "run", "total", "left"]
    assert any(line.startswith("  ✓ ") and "rules finished" in line for line in shown[summary:])
    failure = shown.index("✗ download_ud")
    assert shown[failure + 1] == "    log: logs/data/download_ud.log"
    tail = " ".join(line.strip() for line in shown[failure + 2 :])  # wrapped to the terminal's width
    assert "is missing from the mirror /nonexistent/ud" in tail and all(len(line) < COLUMNS for line in shown[summary:])

    piped = subprocess.run(command(tmp_path / "pipe"), cwd=tmp_path, capture_output=True, text=True)
    assert piped.returncode == 1
    done = [line for line in piped.stderr.splitlines() if line.startswith("  done ")]
    assert any(line.startswith("  done   download_flores") for line in done) and "\x1b[" not in piped.stderr
    assert "  FAILED download_ud" in piped.stderr and "    | " in piped.stderr


def test_a_finished_runs_summary_stays_and_the_runs_last_words_print_under_it(tmp_path):
    import pyte

    command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-d", str(tmp_path), "--cores", "2"]
    command += ["--logger=brief", "--configfile", str(MINI), "--", "results/MiniXLM-R/tables/table4.csv"]
    command += ["results/data/flores/devtest/deu_Latn.txt"]  # the mini world, downloaded, prepared: 4 jobs
    output, status = run_on_a_terminal(command, tmp_path)
    assert status == 0
    screen = pyte.HistoryScreen(COLUMNS, ROWS, history=10_000)
    pyte.ByteStream(screen).feed(output)
    scrolled = ["".join(char.data for char in line.values()) for line in screen.history.top]
    shown = [line.rstrip() for line in scrolled + screen.display if line.strip()]
    summary = next((i for i, line in enumerate(shown) if line.startswith("4/4 jobs done, 0 running")), None)
    assert summary is not None and shown[summary + 2] == "  ✓ 4 rules finished (4 jobs)", "\n".join(shown)
    after = shown[summary + 3 :]  # the run's summary (onsuccess) prints under the block, not erased by it
    assert any(line.startswith("Tables (CSV and Markdown): ") for line in after), "\n".join(shown)


def test_what_the_process_prints_while_the_block_is_drawn_waits_and_prints_under_its_last_summary(capsys):
    import io
    import sys

    from snakemake_logger_plugin_brief import LiveBlock, _Held

    terminal = io.StringIO()
    live = LiveBlock(terminal, lambda height: ["the summary"], every=3600)
    live.draw()
    print("the run's last words")  # as `onsuccess` prints, before the plugin has the last jobs' records
    assert capsys.readouterr().out == ""  # held: the next redraw would erase it
    live.draw(above=["a log line"])
    live.stop()
    assert capsys.readouterr().out == "the run's last words\n" and not isinstance(sys.stdout, _Held)
    assert terminal.getvalue().endswith("a log line\x1b[K\nthe summary\x1b[K\n\x1b[J\x1b[1Fthe summary\x1b[K\n\x1b[J")


class TmuxScreen:
    """A terminal that keeps history as tmux does: lines scrolled off the top, and (tmux's scroll-on-clear) the
    whole screen whenever it is cleared from its top left."""

    def __new__(cls, columns, lines):
        import pyte

        class Screen(pyte.HistoryScreen):
            def erase_in_display(self, how=0, *args, **kwargs):
                if how == 2 or (how == 0 and self.cursor.x == 0 and self.cursor.y == 0):
                    for row in range(self.lines):
                        self.history.top.append(self.buffer[row].copy())
                super().erase_in_display(how, *args, **kwargs)

        return Screen(columns, lines, history=10_000)


def test_the_live_summary_leaves_no_copies_in_the_scrollback():
    """Redrawn a hundred times on a full 40-line screen, with lines printed above it now and then: the
    terminal's history holds those lines and not one copy of the summary."""
    import io

    import pyte

    from snakemake_logger_plugin_brief import LiveBlock

    screen = TmuxScreen(COLUMNS, ROWS)
    feed = pyte.Stream(screen)

    class Terminal(io.StringIO):
        def write(self, text):
            feed.feed(text.replace("\n", "\r\n"))  # as a terminal's line discipline passes a newline on
            return len(text)

        def isatty(self):
            return True

    redraws = [0]

    def render(height):
        redraws[0] += 1
        return [f"SUMMARY {redraws[0]}", *(f"  rule{n}" for n in range(height - 1))]

    live = LiveBlock(Terminal(), render, every=1000)
    live.size = lambda: (COLUMNS, ROWS)
    for redraw in range(100):
        live.draw(above=[f"printed {redraw}"] if redraw % 10 == 0 else [])
    live.stop()
    history = ["".join(char.data for char in line.values()).rstrip() for line in screen.history.top]
    assert not [line for line in history if line.startswith("SUMMARY")], history[:5]
    assert [line for line in history if line.startswith("printed")] == [f"printed {n}" for n in range(0, 100, 10)]
