"""A quiet console for a run of many jobs (``snakemake --logger brief``; ``make demo`` uses it):
one line when a job starts, one when it ends, the error and the last lines of its log when it
fails, and warnings. Everything else (job blocks, resources, reasons) stays in the full log under
``.snakemake/log/``; what a job says stays in its own log under ``logs/``.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

LOG_LINES = 5  # of a failed job's log, printed under its error


def describe(rule: str, wildcards: dict | None) -> str:
    return " ".join([rule, *(str(value) for value in (wildcards or {}).values())])


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        self.stream = sys.stdout if getattr(self.common_settings, "stdout", False) else sys.stderr
        self.started: dict[int, tuple[str, float]] = {}
        self.done = self.total = 0

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
        self.stream.write(line + "\n")
        self.stream.flush()

    def emit(self, record) -> None:
        event = getattr(record, "event", None)
        if event == LogEvent.RUN_INFO:
            self.total = getattr(record, "stats", {}).get("total", 0)
            verb = "would run" if self.common_settings.dryrun else "to run"
            self.write(f"{self.total} jobs {verb}")
        elif event == LogEvent.JOB_INFO and record.rule_name != "all":
            name = describe(record.rule_name, record.wildcards)
            self.started[record.jobid] = (name, time.monotonic())
            if not self.common_settings.dryrun:
                self.write(f"  start  {name}")
        elif event == LogEvent.JOB_FINISHED:
            self.done += 1
            if record.job_id not in self.started:  # the `all` job
                return
            name, start = self.started.pop(record.job_id)
            self.write(f"  done   {name}  [{self.done}/{self.total}, {time.monotonic() - start:.1f} s]")
        elif event == LogEvent.JOB_ERROR:
            self.write(f"  FAILED {self.started.get(record.jobid, (record.rule_name,))[0]}")
            for log in getattr(record, "log", None) or []:
                path = Path(str(log))
                if path.is_file():
                    self.write(f"         log: {path}")
                    for line in deque(path.read_text(errors="replace").splitlines(), LOG_LINES):
                        self.write(f"         | {line}")
        elif event == LogEvent.ERROR or (event is None and record.levelno >= 30):
            message = record.getMessage()
            if message and message != "None":
                self.write(message)
