"""Ctrl-C in `make demo`: every job stops, no traceback, no lock left behind, and the next run resumes."""

import os
import signal
import subprocess
import time

import pytest
import yaml
from conftest import MINI, NARROW, demo_command

pytestmark = pytest.mark.e2e


RUN = "results/MiniXLM-R/align/de-en/S1W0M1"


def demo(workdir, overlay):
    """tools/demo.py up to one alignment run, in a session of its own: its process group stands in for a
    terminal's foreground group."""
    return subprocess.Popen(
        demo_command(workdir, MINI, overlay, targets=[f"{RUN}/train_log.csv"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=terminal_signals,
    )


def terminal_signals():
    """Ctrl-C at its default, as in a terminal's foreground group: a process started in the background by a
    non-interactive shell (a CI script's `&`) inherits SIGINT ignored, and Python then never raises
    KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_every_job_quietly_and_the_next_run_resumes(tmp_path):
    overlay = tmp_path / "narrow.yaml"
    long_alignment = NARROW["alignment"] | {"steps": 600, "state_every": 50, "log_every": 50}
    overlay.write_text(yaml.safe_dump(NARROW | {"alignment": long_alignment}))
    state = tmp_path / RUN / "work/state/trainer.pt"
    process = demo(tmp_path, overlay)
    deadline = time.monotonic() + 600
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state.exists(), process.communicate()[0][-3000:]
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    console = process.communicate(timeout=120)[0]
    assert process.returncode == 130
    assert (
        console.strip().splitlines()[-1]
        == "stopped: 1 job interrupted, nothing lost; `make demo` resumes where it stopped"
    )
    for noise in ("Traceback", "KeyboardInterrupt", "RuleException", "WorkflowError", "FAILED", "Error in rule"):
        assert noise not in console, console[-3000:]
    assert not list((tmp_path / ".snakemake/locks").glob("*")), "snakemake left its lock"
    # the demo ran in a session of its own (snakemake, the worker); its jobs' scripts lie under tmp_path. Another
    # run's worker on the machine (a tier beside this one) is neither.
    session = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True).stdout.split()
    jobs = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert not [pid for pid in session + jobs if int(pid) != os.getpid()], "a job or the worker outlived Ctrl-C"
    # the next run resumes: the alignment from its saved state
    console = demo(tmp_path, overlay).communicate(timeout=900)[0]
    assert "demo: " in console and "Traceback" not in console and (tmp_path / RUN / "step4").is_dir(), console[-3000:]
    assert "resuming S1W0M1 from step" in (tmp_path / "logs/MiniXLM-R/align/de-en/S1W0M1.log").read_text()
