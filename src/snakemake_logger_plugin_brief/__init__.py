"""A compact console for a run of many jobs (``snakemake --logger brief``; ``make demo`` uses it).

On a terminal: one live summary that fits the screen, in the spirit of Nextflow's: a line per rule still to
finish with its jobs done, running and in all, and the time it has left; the rules that have finished in one
line; a failed job with the last lines of its log. Elsewhere (a log file, CI): a line per finished job, and
the same failures. Warnings and errors print as they come. Everything else (job blocks, resources, reasons)
stays in the full log under ``.snakemake/log/``; what a job says stays in its own log under ``logs/``.

snakemake-logger-plugin-rich (0.5.1) draws a bar for every rule (this workflow has more rules than a screen
has lines), shows no time left, prints a failed job's whole log, and nothing per job off a terminal.
"""

from __future__ import annotations

import sys
import textwrap
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

LOG_LINES = 5  # of a failed job's log, printed under its error
#: What snakemake logs at Ctrl-C: from then on the jobs it stops are not failures, and the run ends in one line.
INTERRUPTED = "Terminating processes on user request"
#: The command that resumes the run, as the stopped run's line names it (``make demo`` sets it).
RESUME_ENV = "ALIGN_TRANSFER_RESUME"
FAILURES_SHOWN = 2  # on a terminal, the latest failures stay on screen (all are printed once)


def describe(rule: str, wildcards: dict | None) -> str:
    return " ".join([rule, *(str(value) for value in (wildcards or {}).values())])


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


@dataclass
class RuleProgress:
    total: int = 0
    done: int = 0
    running: int = 0
    failed: int = 0
    seconds: list[float] = field(default_factory=list)  # of its finished jobs

    @property
    def left(self) -> int:
        return self.total - self.done


class RunProgress:
    """What the run has done, per rule, and how long the rest should take: each rule's jobs left times its
    finished jobs' mean duration (or every finished job's mean, before one of its own has finished), shared
    by as many jobs as have run side by side on average so far."""

    def __init__(self, clock=time.monotonic):
        self.clock, self.start = clock, clock()
        self.rules: dict[str, RuleProgress] = {}
        self.started: dict[int, tuple[str, str, float]] = {}  # job id: rule, description, start
        self.failures: list[tuple[str, list[str]]] = []

    def planned(self, counts: dict[str, int]) -> None:
        for rule, count in counts.items():
            if rule not in ("all", "total"):
                self.rules.setdefault(rule, RuleProgress()).total = int(count)

    def job_started(self, job: int, rule: str, name: str) -> None:
        self.rules.setdefault(rule, RuleProgress(total=1)).running += 1
        self.started[job] = (rule, name, self.clock())

    def job_ended(self, job: int, failed: bool = False) -> tuple[str, str, float] | None:
        if job not in self.started:
            return None
        rule, name, start = self.started.pop(job)
        progress, seconds = self.rules[rule], self.clock() - start
        progress.running -= 1
        if failed:
            progress.failed += 1
        else:
            progress.done += 1
            progress.seconds.append(seconds)
        return rule, name, seconds

    @property
    def over(self) -> bool:
        """Every planned job has finished or failed, and none runs."""
        rules = self.rules.values()
        return not any(rule.running for rule in rules) and all(rule.done + rule.failed >= rule.total for rule in rules)

    @property
    def total(self) -> int:
        return sum(rule.total for rule in self.rules.values())

    @property
    def done(self) -> int:
        return sum(rule.done for rule in self.rules.values())

    def seconds_left(self, rule: str | None = None) -> float | None:
        """The time left for ``rule``'s jobs, or for the whole run; None before any job has finished."""
        finished = [s for progress in self.rules.values() for s in progress.seconds]
        elapsed = self.clock() - self.start
        if not finished or elapsed <= 0:
            return None
        side_by_side = max(1.0, sum(finished) / elapsed)
        rules = [rule] if rule else list(self.rules)
        work = 0.0
        for name in rules:
            progress = self.rules[name]
            own = progress.seconds or finished
            work += (progress.left - progress.running / 2) * sum(own) / len(own)
        return max(0.0, work / side_by_side)

    def summary(self, height: int) -> list[str]:
        """The live summary in at most ``height`` lines."""
        elapsed = self.clock() - self.start
        running = sum(rule.running for rule in self.rules.values())
        failed = sum(rule.failed for rule in self.rules.values())
        head = f"{self.done}/{self.total} jobs done, {running} running"
        head += f", {failed} failed" if failed else ""
        head += f" · {duration(elapsed)} elapsed · about {duration(self.seconds_left())} left"
        finished = [name for name, rule in self.rules.items() if rule.left == 0 and rule.total]
        open_rules = sorted(  # running rules first, then in the plan's order
            (name for name, rule in self.rules.items() if rule.left > 0), key=lambda name: self.rules[name].running == 0
        )
        failure_lines = [line for name, tail in self.failures[-FAILURES_SHOWN:] for line in [f"✗ {name}", *tail]]
        room = max(1, height - 4 - len(failure_lines))  # the head, the header, "… more" and "✓ finished"
        lines = [head, f"  {'rule':28} {'done':>5} {'run':>4} {'total':>6}  left"]
        for name in open_rules[:room]:
            rule = self.rules[name]
            left = duration(self.seconds_left(name))
            lines.append(f"  {name[:28]:28} {rule.done:5d} {rule.running:4d} {rule.total:6d}  {left}")
        if len(open_rules) > room:
            lines.append(f"  … {len(open_rules) - room} more rules waiting")
        if finished:
            jobs = sum(self.rules[name].done for name in finished)
            lines.append(f"  ✓ {len(finished)} rules finished ({jobs} jobs)")
        return (lines + failure_lines)[:height]


def log_tail(logs) -> tuple[list[str], list[str]]:
    """The paths of a failed job's logs and the last lines of each, as printed under its name."""
    paths, lines = [], []
    for log in logs or []:
        path = Path(str(log))
        if path.is_file():
            paths.append(str(path))
            lines.append(f"    log: {path}")
            tail = deque(path.read_text(errors="replace").splitlines(), LOG_LINES)
            lines += [f"    | {line}" for line in tail]
    return paths, lines


class _Held:
    """This process's standard output or error while a ``LiveBlock`` is drawn: what is written there waits,
    and is written under the block's last summary when it stops. snakemake hands log records to this plugin
    through a queue, in a thread of its own, so the run's last words (an ``onsuccess`` print) can come before
    the records of its last jobs; written at once, the next redraw would erase them."""

    def __init__(self, live: LiveBlock, stream):
        self.live, self.stream = live, stream

    def write(self, text: str) -> int:
        with self.live.lock:
            if self.live.drawing:
                self.live.held.append((self.stream, text))
                return len(text)
        return self.stream.write(text)

    def flush(self) -> None:
        if not self.live.drawing:
            self.stream.flush()

    def __getattr__(self, name):  # fileno, isatty, encoding, ...: the stream's
        return getattr(self.stream, name)


class LiveBlock:
    """A block of lines redrawn in place at the bottom of a terminal, with lines printed above it: the cursor
    goes back to the block's first line and clears to the end of the screen before anything is written. Lines
    of the block are wrapped here, not by the terminal, so that the count of lines to go back is exact; what
    this process prints elsewhere waits until the block stops (``_Held``); output that a job writes to the
    terminal itself can still leave a stray line above the block. A thread redraws it every ``every``
    seconds, so that the clock moves during a long job."""

    def __init__(self, stream, render, every: float = 2.0):
        import threading

        self.stream, self.render, self.height, self.held = stream, render, 0, []
        self.lock, self.stopped = threading.RLock(), threading.Event()
        self.streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Held(self, sys.stdout), _Held(self, sys.stderr)
        self.thread = threading.Thread(target=self._tick, args=(every,), daemon=True)
        self.thread.start()

    def size(self) -> tuple[int, int]:
        import os

        try:
            columns, lines = os.get_terminal_size(self.stream.fileno())
        except OSError:
            columns, lines = 80, 24
        return columns, lines

    def draw(self, above: list[str] = ()) -> None:
        """Go back to the block's first line and write each line over the old one, clearing only the rest of
        each line (``ESC[K``), then below the block (``ESC[J``, from the line after it). Never an erase of the
        screen from its top left: tmux (scroll-on-clear) would keep a copy of the screen in its scrollback at
        every redraw."""
        with self.lock:
            if self.stopped.is_set():
                return
            columns, lines = self.size()
            block = [
                part
                for line in self.render(max(3, lines - 1))
                for part in textwrap.wrap(line, columns - 1, subsequent_indent="      ", drop_whitespace=False) or [""]
            ][: max(3, lines - 1)]
            back = f"\x1b[{self.height}F" if self.height else ""
            self.stream.write(back + "".join(f"{line}\x1b[K\n" for line in [*above, *block]) + "\x1b[J")
            self.stream.flush()
            self.height = len(block)

    @property
    def drawing(self) -> bool:
        return not self.stopped.is_set()

    def stop(self) -> None:
        """Leave the last summary where it is, and write under it what waited."""
        with self.lock:
            self.draw()
            self.stopped.set()
            if isinstance(sys.stdout, _Held) and isinstance(sys.stderr, _Held):
                sys.stdout, sys.stderr = self.streams
            for stream, text in self.held:
                stream.write(text)
            for stream in self.streams:
                stream.flush()

    def _tick(self, every: float) -> None:
        while not self.stopped.wait(every):
            self.draw()


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        self.stream = sys.stdout if getattr(self.common_settings, "stdout", False) else sys.stderr
        self.progress = RunProgress()
        self.live = None  # on a terminal, once the run's plan is known
        self.interrupted = None  # at Ctrl-C: how many jobs it stopped

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return True

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False

    def write(self, line: str) -> None:
        if self.live is not None and self.live.drawing:
            self.live.draw(above=line.splitlines() or [""])
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def emit(self, record) -> None:
        event = getattr(record, "event", None)
        if INTERRUPTED in str(getattr(record, "msg", "")):
            self.interrupted = 0
        if self.interrupted is not None:  # the jobs Ctrl-C stops and snakemake's errors about them: counted only
            if event == LogEvent.JOB_ERROR:
                self.progress.job_ended(record.jobid, failed=True)
                self.interrupted += 1
            return
        if event == LogEvent.RUN_INFO:
            stats = getattr(record, "stats", {}) or {}
            self.progress.planned(stats)
            verb = "would run" if self.common_settings.dryrun else "to run"
            self.write(f"{stats.get('total', 0)} jobs {verb}")
            if self.live is None and self.stream.isatty() and not self.common_settings.dryrun:
                self.live = LiveBlock(self.stream, self.progress.summary)
        elif event == LogEvent.JOB_INFO and record.rule_name != "all":
            if not self.common_settings.dryrun:
                self.progress.job_started(record.jobid, record.rule_name, describe(record.rule_name, record.wildcards))
        elif event == LogEvent.JOB_FINISHED:
            ended = self.progress.job_ended(record.job_id)
            if ended and self.live is None:
                _, name, seconds = ended
                self.write(f"  done   {name}  [{self.progress.done}/{self.progress.total}, {seconds:.1f} s]")
        elif event == LogEvent.JOB_ERROR:
            ended = self.progress.job_ended(record.jobid, failed=True)
            name = ended[1] if ended else record.rule_name
            _, tail = log_tail(getattr(record, "log", None))
            self.progress.failures.append((name, tail))
            self.write("\n".join([f"  FAILED {name}", *tail]))
        elif event == LogEvent.ERROR or (event is None and record.levelno >= 30):
            message = record.getMessage()
            if message and message != "None":
                self.write(message)
        if self.live is not None and self.live.drawing:
            # the run's last words (its summary, snakemake's error) print under the last summary, never under
            # a block that the next redraw would erase
            if self.progress.over or (event == LogEvent.ERROR and not self.progress.started):
                self.live.stop()
            else:
                self.live.draw()

    def close(self) -> None:
        if self.live is not None and self.live.drawing:
            self.live.stop()
        if self.interrupted is not None:
            import os

            jobs = f"{self.interrupted} job{'s' if self.interrupted != 1 else ''}"
            resume = os.environ.get(RESUME_ENV, "the same command")
            self.stream.write(f"stopped: {jobs} interrupted, nothing lost; {resume} resumes where it stopped\n")
            self.stream.flush()
            self.interrupted = None  # snakemake may close a handler twice: the line once
        super().close()
