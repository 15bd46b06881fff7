"""What every workflow script shares: logging into the rule's log, and errors a person can act on."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import time
from pathlib import Path

from align_transfer.core.config import ConfigError
from align_transfer.core.io import InputError, WriteError
from align_transfer.core.layout import resource_parts
from align_transfer.core.state import NonFiniteLoss, RunLocked, Stopped
from align_transfer.core.tasks import SOURCE_LAYOUTS
from align_transfer.data.lock import LockMismatch, lock_path, verify_inputs
from align_transfer.data.sources import SourceError

#: Errors whose message says all a person needs: one line, no traceback on the console.
CLEAN_ERRORS = (InputError, SourceError, LockMismatch, ConfigError, WriteError, Stopped, NonFiniteLoss, RunLocked)


def user_path(path: str, config: dict) -> str:
    """The file a person gave for ``path``: its mirror copy's origin for a file under ``resources/``
    (``archive.zip!member`` keeps its member), else ``path`` itself."""
    file, bang, member = str(path).partition("!")
    if (parts := resource_parts(file)) is None:
        return path
    name, relpath = parts
    sources = config.get("sources", {})
    origin = None
    if name == "muse":
        lexicons = {entry["pair"]: entry.get("source", "muse") for entry in config.get("data", {}).get("lexicons", [])}
        explicit = lexicons.get(relpath.stem)
        if explicit not in (None, "muse", "skip"):
            origin = explicit
    if origin is None and name in SOURCE_LAYOUTS and sources.get(name, {}).get("mirror"):
        origin = str(Path(sources[name]["mirror"]) / relpath)
    if origin is None and name == "encoders" and len(relpath.parts) > 1:  # resources/encoders/{name}/{file}
        entry = next((e for e in config.get("encoders", []) if e.get("name") == relpath.parts[0]), {})
        if entry.get("mirror"):
            origin = str(Path(entry["mirror"], *relpath.parts[1:]))
    if origin is None:
        return path
    return f"{origin}{bang}{member} (copied to {file})"


def describe(error: BaseException, config: dict) -> str:
    """One line for the console and the log: an input error names the user's own file."""
    if isinstance(error, InputError):
        where = user_path(error.path, config)
        return f"{where}:{error.line}: {error.reason}" if error.line is not None else f"{where}: {error.reason}"
    return str(error)


#: Environment of every job: third-party libraries print no progress bars or load reports (they would
#: flood the console of a run of hundreds of jobs); what a job has to say goes into its log.
QUIET_ENV = {
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TQDM_DISABLE": "1",
}


def use_threads(threads: int) -> None:
    """Run this job's math on its Snakemake ``threads`` only, so that jobs side by side never
    oversubscribe the cores: torch, OpenMP, MKL and the tokenizers' Rust pool."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[name] = str(threads)
    if "torch" in sys.modules:  # already imported (or inherited from the warm worker): tell it directly
        sys.modules["torch"].set_num_threads(threads)


def quiet_libraries() -> None:
    os.environ.update(QUIET_ENV)
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    if "datasets" in sys.modules:
        sys.modules["datasets"].disable_progress_bars()


ATTEMPTS = ".attempts"  # beside a rule's log: every attempt of its job until one succeeds


def attempt_handlers(log_file) -> list[logging.Handler]:
    """The handlers of a job's log. Snakemake empties a rule's log before each attempt, so every attempt also
    writes to ``{log}.attempts``, which snakemake does not know of; an attempt begins its log with the earlier
    attempts' lines from there and a header of its own, so the log of the job that succeeds (or fails last)
    holds every attempt: the signal one received, the state it saved. ``finish_attempts`` removes the file once
    an attempt succeeds."""
    log_file = Path(log_file)
    earlier = Path(f"{log_file}{ATTEMPTS}")
    before = earlier.read_text(encoding="utf-8") if earlier.exists() else ""
    number = before.count("── attempt ") + 1
    header = (
        f"── attempt {number}: pid {os.getpid()} on {socket.gethostname()}, {time.strftime('%Y-%m-%d %H:%M:%S')} ──\n"
    )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text(before + header, encoding="utf-8")
    with open(earlier, "a", encoding="utf-8") as handle:
        handle.write(header)
    return [logging.FileHandler(log_file, mode="a", encoding="utf-8"), logging.FileHandler(earlier, encoding="utf-8")]


def finish_attempts(log_file) -> None:
    Path(f"{log_file}{ATTEMPTS}").unlink(missing_ok=True)


def job_benchmark_path(log_file) -> Path:
    """Where a job's own measurement goes: ``benchmarks/X.job.tsv`` for the log ``logs/X.log``, beside
    snakemake's ``benchmarks/X.tsv`` (its record of the job's process: under the warm worker, the process that
    hands the job over, not the one that runs it)."""
    parts = Path(log_file).with_suffix("").parts
    start = parts.index("logs") if "logs" in parts else 0
    return Path(*parts[:start], "benchmarks", *parts[start + 1 :]).with_suffix(".job.tsv")


def process_age() -> float:
    """Seconds since this process started (a worker's child: since its fork), to the clock tick: from
    /proc/self/stat and /proc/uptime (psutil's start time rounds the boot time to the second)."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat(5), counted after the command's name
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def write_job_benchmark(log_file) -> dict:
    """This process's own wall time (since it started: a worker's child since its fork), CPU time (user and
    system, its children's included) and peak resident memory, as ``job_benchmark_path`` holds them."""
    import resource

    wall = process_age()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {
        "s": round(wall, 4),
        "cpu_time": round(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, 2),
        "max_rss": round(max(own.ru_maxrss, children.ru_maxrss) / 1024, 2),  # MB (the kernel counts KB)
    }
    path = job_benchmark_path(log_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\t".join(row) + "\n" + "\t".join(map(str, row.values())) + "\n")
    return row


@contextlib.contextmanager
def logged(snakemake):
    """Log into the rule's ``log:`` file only (with the job's earlier attempts: ``attempt_handlers``), with the
    job's threads and quiet libraries. Bad input, a failed download, a lock mismatch, a run another process is
    training or a full disk end the job with one line on the console naming the file; Ctrl-C with one line and
    no traceback; anything else with its traceback. The log keeps them all."""
    use_threads(snakemake.threads)
    quiet_libraries()
    handlers = attempt_handlers(snakemake.log[0]) if snakemake.log else []
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
    root = logging.getLogger("align_transfer")
    try:
        verify_inputs(
            getattr(snakemake, "input", []), lock_path(snakemake.config)
        )  # a fetched input changed since: refused
        yield logging.getLogger(f"align_transfer.rule.{snakemake.rule}")
    except CLEAN_ERRORS as error:
        message = describe(error, snakemake.config)
        root.error("%s", message)
        raise SystemExit(f"error: {message}") from None
    except KeyboardInterrupt:
        root.warning("interrupted (Ctrl-C): what was saved stays, and the next run resumes from it")
        raise SystemExit(130) from None
    except Exception:
        root.exception("rule %s failed", snakemake.rule)
        raise
    if snakemake.log:
        finish_attempts(snakemake.log[0])
        row = write_job_benchmark(snakemake.log[0])
        root.info("resources: %.1f s wall, %.1f s CPU, %.0f MB peak memory", row["s"], row["cpu_time"], row["max_rss"])
