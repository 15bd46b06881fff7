"""What keeps training from losing work: stop requests, finished work kept as hard links, cleaning it
up only once the outputs stand, and non-finite losses caught without a sync per step."""

import hashlib
import json
import os
import signal
import socket

import pytest
import torch

from align_transfer.core import state


def test_a_stop_signal_is_a_request_and_the_previous_handlers_come_back():
    before = signal.getsignal(signal.SIGUSR1)
    with state.StopRequests() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signal.SIGTERM)  # SLURM at the time limit: the process lives on
        assert stop.requested and stop.signal == signal.SIGTERM
        assert "stopped at SIGTERM after saving its state in work/state" in str(
            stop.stop("alignment S1W0M0", "work/state")
        )
    assert signal.getsignal(signal.SIGUSR1) is before


def test_finished_work_is_kept_as_read_only_hard_links_and_cleaned_once_the_outputs_stand(tmp_path):
    work = tmp_path / "run/work"
    (work / "checkpoints/step2").mkdir(parents=True)
    (work / "checkpoints/step2/model.safetensors").write_bytes(b"x" * 1000)
    (work / "train_log.csv").write_text("step\n2\n")
    state.mark_finished(work, {"settings": {"seed": 1}}, ["checkpoints", "train_log.csv"])
    assert state.restorable(work, {"settings": {"seed": 1}}) == (True, "")
    ok, why = state.restorable(work, {"settings": {"seed": 2}})
    assert not ok and why == "what determines the run changed: seed 1 -> 2"
    record = json.loads((work / "finished.json").read_text())
    assert record["sha256"]["checkpoints/step2/model.safetensors"] == hashlib.sha256(b"x" * 1000).hexdigest()
    state.link_copy(work / "checkpoints/step2", tmp_path / "run/step2")
    output = tmp_path / "run/step2/model.safetensors"
    assert output.stat().st_ino == (work / "checkpoints/step2/model.safetensors").stat().st_ino  # no second copy
    assert not output.stat().st_mode & 0o222  # read-only: an edit of the output fails instead of changing the copy
    unfinished = tmp_path / "other/work"
    (unfinished / "state").mkdir(parents=True)
    (unfinished / "state/trainer.pt").write_bytes(b"resume from me")
    jobs = {
        str(work): [str(tmp_path / "run/step2")],
        str(unfinished): [str(tmp_path / "other/step2")],
        str(tmp_path / "missing/work"): [],
    }
    ((removed, alone),) = state.clean_finished(jobs)
    assert removed == str(work) and alone < 1000  # its checkpoint was its output's bytes: only the markers were its own
    assert not work.exists() and output.read_bytes() == b"x" * 1000 and unfinished.exists()


def test_a_kept_file_changed_in_place_is_never_restored(tmp_path):
    """A flipped bit in an output is a flipped bit in its hard link in the work folder: the digests say so."""
    work = tmp_path / "work"
    (work / "checkpoints").mkdir(parents=True)
    (work / "checkpoints/model.safetensors").write_bytes(bytes(100))
    state.mark_finished(work, {"code": "a"}, ["checkpoints"])
    damaged = work / "checkpoints/model.safetensors"
    damaged.chmod(0o644)
    damaged.write_bytes(bytes(99) + b"\x01")
    ok, why = state.restorable(work, {"code": "a"})
    assert not ok and "model.safetensors differs from the sha256 recorded when the run finished" in why
    damaged.unlink()
    assert "model.safetensors is missing" in state.restorable(work, {"code": "a"})[1]
    (work / "finished.json").write_text(json.dumps({"code": "a"}))  # finished by a version that kept no digests
    assert "records no sha256" in state.restorable(work, {"code": "a"})[1]


def test_the_code_digest_follows_the_training_code(tmp_path):
    assert state.code_digest("core", "alignment") == state.code_digest("alignment", "core")
    assert state.code_digest("core", "alignment") != state.code_digest("core", "finetuning")
    assert len(state.code_digest("core")) == 64


def test_one_process_trains_a_run(tmp_path):
    """A second holder of a run's lock (another process here) is refused at once, naming the first."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from align_transfer.core.state import RunLock\n"
            f"with RunLock({str(tmp_path)!r}, 'alignment S1W0M0'):\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(state.RunLocked) as refused:
            with state.RunLock(tmp_path, "alignment S1W0M0"):
                pass
        assert f"pid {holder.pid} on host {socket.gethostname()}" in str(refused.value)
        assert str(tmp_path / "work.lock") in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    with state.RunLock(tmp_path, "alignment S1W0M0"):  # the holder died: the system released its lock
        assert f"pid {os.getpid()}" in (tmp_path / "work.lock").read_text()


def test_the_work_of_another_run_is_removed_saying_what_differs(tmp_path, caplog):
    work = tmp_path / "work"
    work.mkdir()
    (work / "fingerprint.json").write_text(json.dumps({"settings": {"learning_rate": 1e-5}, "encoder": "a"}))
    with caplog.at_level("WARNING"):
        assert not state.matches(work, {"settings": {"learning_rate": 2e-5}, "encoder": "a"}, "alignment")
    assert not work.exists() and "learning_rate 1e-05 -> 2e-05" in caplog.text


def test_the_first_non_finite_step_and_term_are_found_without_a_sync_per_step():
    check = state.FiniteCheck("cpu")
    for step, value in enumerate([1.0, 2.0, float("nan"), float("inf"), 3.0], 1):
        check.add(
            step, {"the loss L_S": torch.tensor(value), "the loss L_W": torch.tensor(1.0 if step < 4 else float("nan"))}
        )
    with pytest.raises(
        state.NonFiniteLoss, match=r"x: the loss L_S is not finite at step 3 \(temperature 1e-45\); no checkpoint"
    ):
        check.check("x", {"temperature": 1e-45})
    fine = state.FiniteCheck("cpu")
    fine.add(1, {"loss": torch.tensor(0.5)})
    fine.check("x", {})
