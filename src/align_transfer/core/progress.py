"""Progress lines with the rate and the time left, for every job that can run for minutes."""

from __future__ import annotations

import logging
import time


def duration(seconds: float) -> str:
    """``75`` -> ``1m15s``; ``3700`` -> ``1h01m``."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Logs ``what: done/total unit (percent), rate, time left`` when called with the count done, at
    most every ``every`` seconds, and always at the end. ``first`` is the count a resumed job starts
    from: the rate counts only what this process did."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        total: int,
        unit: str = "steps",
        every: float = 20.0,
        first: int = 0,
        clock=time.monotonic,
    ):
        self.log, self.what, self.total, self.unit, self.every, self.clock = log, what, total, unit, every, clock
        self.first, self.start = first, clock()
        self.last = self.start

    def __call__(self, done: int, note: str = "") -> None:
        now = self.clock()
        if done < self.total and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = (done - self.first) / elapsed
        left = (self.total - done) / rate if rate else float("inf")
        when = "done in " + duration(elapsed) if done >= self.total else duration(left) + " left"
        self.log.info(
            "%s: %d/%d %s (%d%%), %.3g %s/s, %s%s",
            self.what,
            done,
            self.total,
            self.unit,
            100 * done // max(self.total, 1),
            rate,
            self.unit,
            when,
            f" | {note}" if note else "",
        )
