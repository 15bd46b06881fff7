"""The whole workflow on the mini world, with a compact console (`make demo`; README, "Two commands";
docs/performance.md, "Speed of the mini world").

    python tools/demo.py                    # every core; outputs in demo/
    python tools/demo.py --cores 2 -- results/MiniXLM-R/tables/table1.csv
    python tools/demo.py --configfile my-overlay.yaml --directory run1   # any config, on this machine
    python tools/demo.py --report           # snakemake's own report of the run: demo/report.zip (`make report`)

Starts a warm worker (src/align_transfer/ops/worker.py) so that the short jobs do not each pay the
seconds of importing torch and transformers, runs snakemake with the compact console (`--logger brief`:
a live summary on a terminal, a line per finished job elsewhere; docs/running.md, "The console"), and
ends with the wall time and the longest job's share of it (from this run's benchmarks/), then what to open.
"""

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from align_transfer.core.config import load_config, workdir_of
from align_transfer.core.progress import duration
from align_transfer.ops.runner import QUIET_ENV
from align_transfer.ops.worker import SOCKET_ENV, starting
from snakemake_logger_plugin_brief import RESUME_ENV

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "config/mini.yaml"


def largest_jobs(benchmarks: Path, since: float, measure: str) -> tuple[str, float]:
    """The job of this run (its own measurement, ``*.job.tsv``, written after ``since``) with the largest
    ``measure`` (``s``: wall seconds; ``max_rss``: peak memory, MB), and that value."""
    largest = ("none", 0.0)
    for path in benchmarks.rglob("*.job.tsv"):
        if path.stat().st_mtime >= since:
            with path.open() as handle:
                value = float(next(csv.DictReader(handle, delimiter="\t"))[measure])
            name = path.relative_to(benchmarks).as_posix().removesuffix(".job.tsv")
            largest = max(largest, (name, value), key=lambda x: x[1])
    return largest


def start_worker(socket: str, env: dict) -> subprocess.Popen:
    """The warm worker, warming up while snakemake builds its DAG; a job that starts before it is ready
    waits for it (``worker.starting``)."""
    Path(starting(socket)).touch()
    return subprocess.Popen([sys.executable, "-m", "align_transfer.ops.worker", socket], env=env)


interrupted = False


def wait(process: subprocess.Popen) -> int:
    """Snakemake's exit status. Ctrl-C reaches snakemake too (the terminal signals the whole process group):
    it stops its jobs and removes its lock, so this waits for it rather than kill it mid-way."""
    global interrupted
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            interrupted = True


def native_report(command: list[str], workdir: Path, env: dict) -> int:
    """Snakemake's own report of the run (``--report``): its lines (a note for each file it finds no record of)
    go to a log, and one line says where the report is."""
    report, log = workdir / "report.zip", workdir / "logs/report.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    run = [part for part in command if part not in ("--logger", "brief", "--rerun-incomplete")]
    with open(log, "w") as out:
        result = subprocess.run(
            [*run[: run.index("--")], "--report", str(report.absolute())],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if result.returncode:
        print(f"report: snakemake --report failed; its log: {log}")
        return result.returncode
    print(f"Snakemake's report (every table and figure with its caption, runtimes, versions): {report}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", default="all", help="cores for snakemake (default: every core)")
    parser.add_argument(
        "--configfile",
        nargs="*",
        default=[str(MINI)],
        help="overlays on config/config.yaml (default: config/mini.yaml)",
    )
    parser.add_argument("--directory", help="the working directory (default: the config's, demo/)")
    parser.add_argument(
        "--no-worker", action="store_true", help="every job imports its libraries itself (for measuring)"
    )
    parser.add_argument(
        "--report", action="store_true", help="write snakemake's own report of the run (report.zip) instead of running"
    )
    parser.add_argument("targets", nargs="*", help="snakemake targets, after --")
    args = parser.parse_args()

    overlays = [Path(path).absolute() for path in args.configfile]
    workdir = (
        Path(args.directory)
        if args.directory
        else workdir_of(load_config([REPO / "config/config.yaml", *overlays]), REPO)
    )
    # SLURM_CONF: snakemake's SLURM plugin asks `scontrol` for the cluster's settings as it loads, which
    # waits 9 s where a SLURM client has no controller to reach; the demo submits nothing to SLURM.
    python_path = os.pathsep.join(filter(None, [str(REPO / "src"), os.getenv("PYTHONPATH")]))
    env = os.environ | QUIET_ENV | {"SLURM_CONF": os.devnull, "PYTHONPATH": python_path, RESUME_ENV: "`make demo`"}
    # the greedy scheduler: the ILP one solves a program at every step, seconds of a 2-core demo's CPU
    # --rerun-incomplete: a run stopped by Ctrl-C left its running jobs' outputs incomplete; they run again
    # (an alignment from its saved state)
    command = [
        str(Path(sys.executable).parent / "snakemake"),
        "-s",
        str(REPO / "workflow/Snakefile"),
        "--cores",
        args.cores,
        "--scheduler",
        "greedy",
        "--logger",
        "brief",
        "--rerun-incomplete",
        "--configfile",
        *map(str, overlays),
        "--",
        *args.targets,
    ]
    if args.directory:
        command[3:3] = ["-d", str(workdir)]
    if args.report:
        return native_report(command, workdir, env)
    started, clock = time.time(), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="align-transfer-") as folder:
        socket = os.path.join(folder, "worker.sock")
        worker = None if args.no_worker else start_worker(socket, env)
        try:
            returncode = wait(
                subprocess.Popen(command, env=env | ({} if args.no_worker else {SOCKET_ENV: socket}), cwd=REPO)
            )
        finally:
            if worker:
                worker.terminate()
                worker.wait()
    wall = time.monotonic() - clock
    if returncode in (130, -signal.SIGINT) or interrupted:
        return 130  # the console has said so in one line
    if returncode:
        return returncode
    name, seconds = largest_jobs(workdir / "benchmarks", started, "s")
    heaviest, megabytes = largest_jobs(workdir / "benchmarks", started, "max_rss")
    print(
        f"demo: {duration(wall)} wall ({wall:.0f} s) on {args.cores} cores; the longest job, {name}, took "
        f"{seconds:.0f} s ({seconds / wall:.0%} of the wall time); the largest, {heaviest}, peaked at "
        f"{megabytes / 1024:.2f} GB of memory"
    )
    print(f"Snakemake's own report (runtimes and software versions too): `make report` writes {workdir / 'report.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
