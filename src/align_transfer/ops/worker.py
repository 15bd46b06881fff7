"""A warm worker for runs of many short jobs on one machine (the mini world): one process imports
torch, transformers, datasets and pandas once, and each job's script runs in a process forked from
it instead of paying those seconds of imports again.

It is off unless the environment variable ``ALIGN_TRANSFER_WORKER`` names the worker's socket
(``tools/demo.py`` and the end-to-end tests start one). A job that starts while the worker warms
up waits for it; a job that finds no worker runs in its own process as usual, so SLURM jobs and
plain ``snakemake`` runs are unaffected.

A job hands the worker its script (the file snakemake wrote for it), its working directory,
environment and standard streams (as file descriptors); the worker forks a child that runs the script there
and reports the child's exit status. If the job's own process dies (snakemake cancels it), the
worker kills the child, so a cancelled job stops.
"""

from __future__ import annotations

import os
import pickle
import runpy
import select
import signal
import socket
import struct
import sys
import time
import traceback

SOCKET_ENV = "ALIGN_TRANSFER_WORKER"
IN_CHILD_ENV = "ALIGN_TRANSFER_IN_WORKER"
WARM_MODULES = (
    "torch",
    "numpy",
    "pandas",
    "datasets",
    "safetensors.torch",
    "transformers",
    "align_transfer.tables.figures",
    "snakemake.script",
)  # each job's script starts by unpickling its snakemake object


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the job hung up")
        data += chunk
    return data


def delegate() -> None:
    """Run this job's script (the file snakemake runs, ``sys.argv[0]``) in the warm worker and exit
    with its status.

    Returns without doing anything where no worker answers, or inside the worker's child, so the
    script then runs in this process.
    """
    path = os.environ.get(SOCKET_ENV)
    if not path or os.environ.get(IN_CHILD_ENV):
        return
    # Ctrl-C reaches this process with snakemake's: it ends quietly, and its worker child with it
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    deadline = time.monotonic() + 120
    while os.path.exists(starting(path)) and not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker warms up: waiting for it costs no CPU, importing torch here would
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return
    job = {"script": os.path.realpath(sys.argv[0]), "cwd": os.getcwd(), "env": dict(os.environ)}
    payload = pickle.dumps(job)
    sys.stdout.flush()
    sys.stderr.flush()
    socket.send_fds(conn, [struct.pack("!Q", len(payload))], [0, 1, 2])
    conn.sendall(payload)
    try:
        (status,) = struct.unpack("!i", _recv_exactly(conn, 4))
    except ConnectionError:
        status = 1
    sys.exit(status)


def starting(path: str) -> str:
    """The file that says a worker for ``path`` is warming up: its starter creates it, the worker removes it."""
    return f"{path}.starting"


def _run_child(job: dict, fds: list[int]) -> None:
    """In the forked child: take the job's streams, directory and environment, run its script, exit."""
    os.setpgid(0, 0)
    for fd, target in zip(fds, (0, 1, 2)):
        os.dup2(fd, target)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"], **{IN_CHILD_ENV: "1"})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = 0
    try:
        sys.argv = [job["script"]]
        runpy.run_path(job["script"], run_name="__main__")
    except SystemExit as exit_:
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _handle(conn: socket.socket) -> None:
    """In a per-job handler process: fork the job's child, report its status, kill it if the job hangs up."""
    message, fds, _, _ = socket.recv_fds(conn, 8, 3)
    job = pickle.loads(_recv_exactly(conn, struct.unpack("!Q", message)[0]))
    child = os.fork()
    if child == 0:
        conn.close()
        _run_child(job, fds)
    for fd in fds:
        os.close(fd)
    with os.fdopen(os.pidfd_open(child), "rb", buffering=0) as pidfd:
        ready, _, _ = select.select([conn, pidfd], [], [])
        if pidfd not in ready:  # the job's process is gone: stop its work
            os.killpg(child, signal.SIGKILL)
    _, status = os.waitpid(child, 0)
    try:
        conn.sendall(struct.pack("!i", os.waitstatus_to_exitcode(status)))
    except OSError:
        pass


def warm_up() -> None:
    """Import the heavy modules, and load a tiny model of each architecture through the Auto classes,
    which imports the modules transformers loads lazily on a first ``from_pretrained`` (seconds).
    One thread, and no forward pass: the children start their own thread pools."""
    import importlib
    import tempfile

    for name in WARM_MODULES:
        importlib.import_module(name)
    import torch
    import transformers
    from transformers import AutoModelForMaskedLM

    from align_transfer.core.architectures import ARCHITECTURES
    from align_transfer.core.modeling import bare_backbone
    from align_transfer.ops.runner import quiet_libraries

    quiet_libraries()
    torch.set_num_threads(1)
    shapes = dict(vocab_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=1, intermediate_size=8)
    with tempfile.TemporaryDirectory() as folder:
        for family in ARCHITECTURES.values():
            config = getattr(transformers, family.mini_config)(**shapes)
            AutoModelForMaskedLM.from_config(config).save_pretrained(folder)
            AutoModelForMaskedLM.from_pretrained(folder)
            bare_backbone(folder)


def serve(path: str, warm=warm_up) -> None:
    """Warm up once, then fork a handler per job until terminated. Jobs that start meanwhile wait while
    the ``starting`` file exists, and run in their own processes if the worker fails. Ctrl-C is not its to
    answer: the jobs end when snakemake stops them, and the worker when its starter terminates it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        warm()
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(64)
    finally:
        if os.path.exists(starting(path)):
            os.unlink(starting(path))
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            try:
                conn, _ = server.accept()
            except InterruptedError:
                continue
            if os.fork() == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                server.close()
                try:
                    _handle(conn)
                finally:
                    os._exit(0)
            conn.close()
    finally:
        server.close()
        if os.path.exists(path):
            os.unlink(path)


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


if __name__ == "__main__":
    serve(sys.argv[1])
