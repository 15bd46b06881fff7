"""The warm worker (align_transfer.ops.worker): a job's script hands itself over and runs in a child forked
from the worker, with the job's streams, directory, environment and exit status; where no worker answers, the
script runs in its own process; a job whose process dies takes its child with it. And every rule's script
hands over first."""

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align_transfer.ops import worker

REPO = Path(__file__).resolve().parents[1]
JOB = """from align_transfer.ops.worker import delegate

delegate()

import os, sys, time
print("pid", os.getpid(), "cwd", os.getcwd(), "in worker", os.environ.get("ALIGN_TRANSFER_IN_WORKER"), "answer", os.environ.get("ANSWER"))
sys.stdout.flush()
if os.environ.get("SLEEP"):
    open("child.pid", "w").write(str(os.getpid()))
    time.sleep(60)
if os.environ.get("FAIL"):
    raise RuntimeError("the job failed")
sys.exit(int(os.environ.get("CODE", "0")))
"""


@pytest.fixture
def served(tmp_path):
    """A worker with nothing to warm up (the real one imports torch and transformers first), and a job script."""
    socket = str(tmp_path / "worker.sock")
    Path(worker.starting(socket)).touch()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from align_transfer.ops import worker; worker.serve(sys.argv[1], warm=lambda: None)",
            socket,
        ]
    )
    deadline = time.monotonic() + 30
    while not os.path.exists(socket) and time.monotonic() < deadline:
        time.sleep(0.02)
    (tmp_path / "job.py").write_text(JOB)
    yield socket, tmp_path
    server.terminate()
    server.wait(timeout=10)


def run_job(folder, socket=None, **env):
    environment = (
        os.environ | {key: str(value) for key, value in env.items()} | ({worker.SOCKET_ENV: socket} if socket else {})
    )
    return subprocess.Popen(
        [sys.executable, "job.py"],
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_job_runs_in_the_worker_with_its_directory_environment_streams_and_status(served):
    socket, folder = served
    job = run_job(folder, socket, ANSWER=42, CODE=3)
    out, _ = job.communicate(timeout=30)
    assert job.returncode == 3
    assert f"cwd {folder} in worker 1 answer 42" in out and f"pid {job.pid} " not in out  # a forked child ran it


def test_a_failing_job_reports_its_traceback_and_fails(served):
    socket, folder = served
    job = run_job(folder, socket, FAIL=1)
    _, err = job.communicate(timeout=30)
    assert job.returncode == 1 and "RuntimeError: the job failed" in err


def test_without_a_worker_the_job_runs_in_its_own_process(tmp_path):
    (tmp_path / "job.py").write_text(JOB)
    job = run_job(tmp_path, str(tmp_path / "nobody.sock"), CODE=5)
    out, _ = job.communicate(timeout=30)
    assert job.returncode == 5 and f"pid {job.pid} " in out and "in worker None" in out


def test_a_job_whose_process_dies_takes_its_child_with_it(served):
    socket, folder = served
    job = run_job(folder, socket, SLEEP=1)
    deadline = time.monotonic() + 30
    while not (folder / "child.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int((folder / "child.pid").read_text())
    job.send_signal(signal.SIGKILL)  # as snakemake cancels a job
    job.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the job's child outlived it")


def test_every_rule_script_hands_over_to_the_worker_first():
    for path in sorted((REPO / "scripts").glob("*.py")):
        body = ast.parse(path.read_text()).body
        statements = [
            ast.unparse(node)
            for node in body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        ]
        assert statements[:2] == ["from align_transfer.ops.worker import delegate", "delegate()"], path.name
