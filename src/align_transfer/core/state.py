"""Training that loses nothing: resumable state, stop requests, finished work kept, non-finite losses caught.

Alignment and full fine-tuning save their state (weights, optimizer, scheduler, random generators, where
they are in the data, and the fingerprint of what determines the run) in a work folder beside their
outputs, never among them. A run resumes from a state whose fingerprint matches and starts afresh
otherwise.

On a cluster a job can be stopped for time or preempted: SLURM sends SIGUSR1 a while before the time
limit (``--signal`` in the profile) and SIGTERM at it. Either asks the loop to finish its step, save its
state and stop with an error; the profile's retry resumes. A finished run keeps its results in the work
folder too (hard links of the outputs: no extra disk, both made read-only), with the sha256 of every file,
so that a job that SLURM or snakemake fails after the fact (a time limit reached while snakemake checks the
outputs) is restored, not trained again, by its retry. A restore is taken only when it is provably the same
work (``restorable``): the same fingerprint (the rule's params, the inputs' digests and the digest of the
code that trains) and every kept file as it was when the run finished; anything else trains again, and the
log says why. ``RunLock`` lets one process train a run. ``snakemake clean_state`` removes the work folders of
finished runs.

Light at import (no torch): the runner, which the Snakefile imports, names these errors.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import stat
import threading
import time
from pathlib import Path

from align_transfer.core.io import atomic_path

log = logging.getLogger(__name__)

#: SIGUSR1: SLURM's warning before the time limit (the profile's ``--signal``); SIGTERM: the limit itself,
#: a preemption, or ``scancel``.
STOP_SIGNALS = (signal.SIGUSR1, signal.SIGTERM)
FINISHED = "finished.json"
#: The log line of a restore (what, work folder): why it is safe, and how to train anyway (docs/design.md §6).
RESTORED = (
    "%s restored from %s, not trained again: the same params, inputs and code, and every kept file's sha256 as "
    "recorded when it finished (docs/design.md §6). To train it again anyway, delete that folder first"
)


class Stopped(RuntimeError):
    """Training stopped at a signal after saving its state; a retry of the job resumes from it."""


class NonFiniteLoss(RuntimeError):
    """A loss became NaN or infinite: the run's settings cannot train this model; nothing was written."""


class RunLocked(RuntimeError):
    """Another process is training this run: a second job stops at once, naming it."""


class RunLock:
    """An exclusive lock on a training run, held for the job's life: ``{run}/work.lock`` with ``flock``, which
    the operating system releases when the process ends, however it ends (a kill -9 included), so a lock is
    never stale. The file names its holder (pid, host, since when); a second job on the run stops at once
    with a message naming it, instead of training the same run beside it."""

    def __init__(self, run_dir, what: str):
        self.path, self.what, self.handle = Path(run_dir) / "work.lock", what, None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunLocked(
                f"{self.what}: {holder} is training this run (it holds {self.path}); a second job would train it "
                "beside it. Wait for it to end, or stop it, then rerun: the lock goes when its process ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on host {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.close()  # closing releases the lock; the file stays, empty of meaning, for the next job


class StopRequests:
    """While active, SIGUSR1 and SIGTERM ask a training loop to stop (``requested``) instead of killing the
    process, so that it can save its state at the end of the step it is in. Outside the main thread (where
    Python cannot take signals) it never asks."""

    def __init__(self):
        self.signal: int | None = None
        self._previous: dict = {}

    @property
    def requested(self) -> bool:
        return self.signal is not None

    def _handle(self, number, frame) -> None:
        if self.signal is None:
            log.warning(
                "%s received: saving the state at the end of this step, then stopping", signal.Signals(number).name
            )
        self.signal = number

    def __enter__(self) -> "StopRequests":
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def stop(self, what: str, state_dir) -> Stopped:
        name = signal.Signals(self.signal).name
        return Stopped(
            f"{what}: stopped at {name} after saving its state in {state_dir}; rerun the job (the SLURM "
            "profile retries it) and it resumes from there"
        )


def rng_state(generators: dict) -> dict:
    import torch

    state = {"torch": torch.get_rng_state(), "generators": {name: g.get_state() for name, g in generators.items()}}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict, generators: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    for name, generator in generators.items():
        generator.set_state(state["generators"][name])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path, model, optimizer, scheduler, generators: dict, progress: dict, fingerprint: dict, **tensors) -> None:
    """The resumable state, complete or absent: weights, optimizer, scheduler, random generators, ``progress``
    (where the loop is, and what it has logged so far), the fingerprint of the run, and any other ``tensors``
    (``name={key: tensor}``, as ``name.safetensors``: a best epoch's weights, say; None is left out)."""
    import torch
    from safetensors.torch import save_file, save_model

    with atomic_path(path) as tmp:
        tmp.mkdir()
        save_model(model, str(tmp / "model.safetensors"))
        for name, values in tensors.items():
            if values is not None:
                save_file({key: value.contiguous() for key, value in values.items()}, str(tmp / f"{name}.safetensors"))
        trainer = {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(generators),
            "progress": progress,
        }
        torch.save(trainer, tmp / "trainer.pt")
        (tmp / "fingerprint.json").write_text(json.dumps(fingerprint, indent=1, sort_keys=True))


def load(path, model, optimizer, scheduler, generators: dict) -> dict:
    """Restore a state saved by ``save`` (its other tensors are the caller's to read); returns its ``progress``."""
    import torch
    from safetensors.torch import load_model

    path = Path(path)
    load_model(model, str(path / "model.safetensors"), device=str(next(model.parameters()).device))
    trainer = torch.load(path / "trainer.pt", weights_only=True)
    optimizer.load_state_dict(trainer["optimizer"])
    scheduler.load_state_dict(trainer["scheduler"])
    set_rng_state(trainer["rng"], generators)
    return trainer["progress"]


def fingerprint_difference(saved: dict, current: dict) -> list[str]:
    """What differs between the fingerprint a state was saved with and this run's."""
    names = {
        "corpus": "the tokenized corpus",
        "data": "the task data",
        "encoder": "the base encoder",
        "code": "the code that trains (align_transfer's modules)",
        "params": "the rule's params",
    }
    detailed = {"settings", "params"}
    keys = sorted((set(saved) | set(current)) - detailed)
    differences = [names.get(key, key) for key in keys if saved.get(key) != current.get(key)]
    for key in sorted(detailed):
        old, new = saved.get(key, {}), current.get(key, {})
        differences += [
            f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
        ]
    return differences


def saved_fingerprint(folder) -> dict:
    path = Path(folder) / "fingerprint.json"
    return json.loads(path.read_text()) if path.exists() else {}


def matches(folder, fingerprint: dict, what: str) -> bool:
    """Whether ``folder`` holds work of this run (same fingerprint); work of another run is removed, with a
    line in the log saying what differs."""
    folder = Path(folder)
    if not folder.exists():
        return False
    if differences := fingerprint_difference(saved_fingerprint(folder), fingerprint):
        log.warning("the work in %s belongs to another run (%s): %s starts fresh", folder, "; ".join(differences), what)
        shutil.rmtree(folder)
        return False
    return True


def code_digest(*subpackages: str) -> str:
    """sha256 of the source of align_transfer's ``subpackages`` (``core``, ``alignment``, ...): the code that
    trains. Whole subpackages, not the modules a process happens to have imported, so that a warm worker and a
    fresh process agree; an edit of a table, a claim or a test retrains nothing, a comment in the training
    code does (the cautious side)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for subpackage in sorted(subpackages):
        for path in sorted((root / subpackage).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def file_digest(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digests(folder) -> dict[str, str]:
    """sha256 of every file under ``folder`` (or of ``folder`` itself, a file), by its path relative to it."""
    folder = Path(folder)
    if folder.is_file():
        return {folder.name: file_digest(folder)}
    return {str(p.relative_to(folder)): file_digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def read_only(folder) -> None:
    """Every file under ``folder`` made read-only, so that an edit of an output (a hard link of it) fails
    instead of changing the copy kept for a retry; ``restorable`` checks the digests all the same."""
    folder = Path(folder)
    for path in [folder] if folder.is_file() else folder.rglob("*"):
        if path.is_file():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def mark_finished(folder, fingerprint: dict, results: list[str]) -> None:
    """Say that the work in ``folder`` is finished, whose it is, and the sha256 of each of its ``results``
    (paths relative to ``folder``, files or folders), which are made read-only: they can be restored from it
    while they are as they were."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fingerprint.json").write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
    digests = {}
    for result in results:
        digests |= {
            str(Path(result) / name) if (folder / result).is_dir() else result: value
            for name, value in file_digests(folder / result).items()
        }
        read_only(folder / result)
    with atomic_path(folder / FINISHED) as tmp:
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "sha256": digests}, indent=1, sort_keys=True))


def restorable(folder, fingerprint: dict) -> tuple[bool, str]:
    """Whether the finished work in ``folder`` is provably this run's: the same fingerprint, and every file it
    recorded present with its recorded sha256. Else why not, in a few words (empty where nothing finished)."""
    path = Path(folder) / FINISHED
    if not path.exists():
        return False, ""
    record = json.loads(path.read_text())
    if "sha256" not in record:
        return False, "it records no sha256 of its files (finished by an older version)"
    if differences := fingerprint_difference(record["fingerprint"], fingerprint):
        return False, "what determines the run changed: " + "; ".join(differences)
    for name, digest in record["sha256"].items():
        file = Path(folder) / name
        if not file.is_file():
            return False, f"{file} is missing"
        if file_digest(file) != digest:
            return False, f"{file} differs from the sha256 recorded when the run finished (damaged or edited)"
    return True, ""


def link_copy(source, target) -> None:
    """``target`` as a copy of the file or folder ``source`` whose files are hard links (no extra disk; a copy
    where the file system has none), complete or absent."""
    source = Path(source)

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    with atomic_path(target) as tmp:
        if source.is_dir():
            shutil.copytree(source, tmp, copy_function=link)
        else:
            link(source, tmp)


def clean_finished(jobs: dict[str, list[str]]) -> list[tuple[str, int]]:
    """Remove the work folder of every job (``{work folder: its outputs}``) whose outputs all exist and whose
    work is finished (no resumable state left in it): snakemake has accepted those outputs, so nothing can
    fail the job after the fact any more. Unfinished work (a run that will resume) stays. Returns each
    removed folder and the bytes it held that no output shares."""
    removed = []
    for folder, outputs in jobs.items():
        folder = Path(folder)
        if not folder.is_dir() or not all(Path(out).exists() for out in outputs):
            continue
        if list(folder.rglob("trainer.pt")) or not list(folder.rglob(FINISHED)):
            continue  # a run that has not finished: its state is what it resumes from
        alone = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.stat().st_nlink == 1)
        shutil.rmtree(folder)
        removed.append((str(folder), alone))
    return removed


def folder_digest(folder) -> str:
    """sha256 of a folder's files: their names and their bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class FiniteCheck:
    """Watches loss terms on their device without a sync per step: the first step at which each term was not
    finite is kept in a device tensor and read only at ``check`` (a log row, a state, a checkpoint)."""

    def __init__(self, device):
        self.device, self.first = device, {}

    def add(self, step: int, losses: dict) -> None:
        import torch

        for term, value in losses.items():
            first = self.first.setdefault(term, torch.full((), -1, dtype=torch.long, device=self.device))
            bad = ~torch.isfinite(value.detach())
            first.copy_(torch.where(bad & (first < 0), step, first))

    def check(self, what: str, settings: dict, advice: str = "Lower the learning rate.") -> None:
        """Raise ``NonFiniteLoss`` naming the first step and term that went non-finite, and the settings."""
        bad = {term: int(first) for term, first in self.first.items() if int(first) >= 0}
        if bad:
            term, step = min(bad.items(), key=lambda item: item[1])
            shown = ", ".join(
                f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}" for key, value in settings.items()
            )
            raise NonFiniteLoss(
                f"{what}: {term} is not finite at step {step} ({shown}); no checkpoint was written. {advice}"
            )
