"""What keeps training from losing work: stop requests, finished work kept as hard links, cleaning it
up only once the outputs stand, and non-finite losses caught without a sync per step."""

import json
import os
import signal

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


def test_finished_work_is_kept_as_hard_links_and_cleaned_once_the_outputs_stand(tmp_path):
    work = tmp_path / "run/work"
    (work / "checkpoints/step2").mkdir(parents=True)
    (work / "checkpoints/step2/model.safetensors").write_bytes(b"x" * 1000)
    state.mark_finished(work, {"settings": {"seed": 1}})
    assert state.finished(work, {"settings": {"seed": 1}}) and not state.finished(work, {"settings": {"seed": 2}})
    state.link_copy(work / "checkpoints/step2", tmp_path / "run/step2")
    output = tmp_path / "run/step2/model.safetensors"
    assert output.stat().st_ino == (work / "checkpoints/step2/model.safetensors").stat().st_ino  # no second copy
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
