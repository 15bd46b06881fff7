"""Restores that cannot be wrong, on a narrowed mini run: every error's rebuild command rebuilds what it names
after each kind of output is damaged; a forced rerun after a change of what determines a run trains again;
one process trains a run, even when the snakemake that started it was killed; Ctrl-C on plain snakemake
prints no traceback."""

import hashlib
import os
import re
import signal
import subprocess
import time

import pytest
import yaml
from conftest import MINI, NARROW, REPO, SNAKEMAKE, snakemake

pytestmark = pytest.mark.e2e

RUN = "results/MiniXLM-R/align/de-en/S1W0M1"
CHECKPOINT = f"{RUN}/step4"
MODEL = "de-en_S1W0M1_4"


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("rebuild")
    snakemake(workdir, "--cores", "2", overlays=[MINI, NARROW])
    return workdir


def digest(path) -> str:
    """A file's content: its bytes; a safetensors file's tensors and metadata (safetensors writes its metadata
    in no fixed order, so two writes of the same tensors may differ in bytes)."""
    if path.suffix != ".safetensors":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    from safetensors import safe_open

    content = hashlib.sha256()
    with safe_open(str(path), framework="np") as handle:
        content.update(repr(sorted((handle.metadata() or {}).items())).encode())
        for key in sorted(handle.keys()):
            content.update(key.encode() + handle.get_tensor(key).tobytes())
    return content.hexdigest()


def rebuild_command(stderr: str) -> str:
    """The target of the rebuild command an error names."""
    found = re.findall(r"rebuild it with `snakemake --force (\S+)`", stderr)
    assert found, stderr[-3000:]
    return found[-1]


def damage(path, how: str) -> None:
    """Cut to its first half (a CSV: to its header) or flip its last bit, in place and keeping its time stamp
    (the disk, not a job, damaged it: snakemake sees nothing to redo)."""
    times = path.stat()
    path.chmod(0o644)  # a finished output is read-only (a user would have to mean it)
    data = path.read_bytes()
    if how == "cut":
        data = data.split(b"\n", 1)[0] + b"\n" if path.suffix == ".csv" else data[: len(data) // 2]
    else:
        data = data[:-1] + bytes([data[-1] ^ 1])
    path.write_bytes(data)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


@pytest.mark.parametrize(
    "damaged, how, reader",
    [
        (f"{CHECKPOINT}/model.safetensors", "flip", f"results/MiniXLM-R/eval/retrieval/{MODEL}/encoder.csv"),
        ("results/MiniXLM-R/data/tokens/de-en/data-00000-of-00001.arrow", "cut", f"{RUN}/train_log.csv"),
        (f"results/MiniXLM-R/eval/zeroshot/sc/full/{MODEL}/seed15.csv", "cut", "results/MiniXLM-R/tables/table1.csv"),
        (f"results/MiniXLM-R/eval/retrieval/{MODEL}/encoder.csv", "cut", "results/MiniXLM-R/tables/table7.csv"),
        (f"results/MiniXLM-R/embeddings/{MODEL}/encoder.safetensors", "cut", None),
    ],
    ids=["checkpoint", "tokens", "zero-shot CSV", "table input", "embeddings"],
)
def test_every_error_s_rebuild_command_rebuilds(narrow, damaged, how, reader):
    path = narrow / damaged
    before = digest(path)
    damage(path, how)
    if reader is not None:  # the job that reads it refuses it, naming the command that rebuilds it
        result = snakemake(narrow, "--cores", "1", "--force", reader, overlays=[MINI, NARROW], check=False)
        assert result.returncode != 0
        target = rebuild_command(result.stderr)
    else:  # nothing reads the embeddings again: the library's reader names the command
        from align_transfer.analysis.representations import load_embeddings
        from align_transfer.core.io import InputError

        with pytest.raises(InputError) as refused:
            load_embeddings(path)
        target = rebuild_command(str(refused.value).replace(str(narrow) + "/", ""))
    assert damaged.startswith(target)
    snakemake(narrow, "--cores", "2", "--force", target, overlays=[MINI, NARROW])
    assert digest(path) == before  # rebuilt (retrained where its kept copy was damaged too): the same bytes
    if reader is not None:  # and the job that refused it runs
        snakemake(narrow, "--cores", "2", "--force", reader, overlays=[MINI, NARROW])
    snakemake(narrow, "--cores", "2", overlays=[MINI, NARROW])  # what the rebuild made outdated, brought up to date


def test_a_forced_rerun_after_a_change_trains_again_and_without_one_restores(narrow):
    """A researcher who fixes the code and forces a rerun gets the new code's numbers; a forced rerun that
    changes nothing restores what is provably the same work, and its log says so and how to train anyway."""
    log = narrow / "logs/MiniXLM-R/align/de-en/S1W0M1.log"
    snakemake(narrow, "--cores", "2", "--forcerun", "align", f"{RUN}/train_log.csv", overlays=[MINI, NARROW])
    assert "restored from" in log.read_text() and "To train it again anyway, delete that folder" in log.read_text()
    changed = dict(NARROW, alignment=NARROW["alignment"] | {"temperature": 0.05})  # what determines the weights
    snakemake(narrow, "--cores", "2", f"{RUN}/train_log.csv", overlays=[MINI, changed])
    text = log.read_text()
    assert "is not restored (what determines the run changed: " in text and "temperature 0.1 -> 0.05" in text
    assert "restored from" not in text and "alignment S1W0M1: 4/4 steps" in text
    snakemake(narrow, "--cores", "2", f"{RUN}/train_log.csv", overlays=[MINI, NARROW])  # back as it was


def long_alignment(folder, code: str, steps: int):
    """An overlay of the narrowed run with one long alignment of ``code``: its path, alignment settings and run."""
    overlay = folder / "long.yaml"
    long = NARROW["alignment"] | {"losses": [code], "steps": steps, "state_every": 50, "log_every": 50}
    overlay.write_text(yaml.safe_dump(NARROW | {"alignment": long}))
    return overlay, long, f"results/MiniXLM-R/align/de-en/{code}"


def terminal_signals():
    """Ctrl-C at its default, as in a terminal (a CI script's `&` starts its tiers with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def training(narrow, overlay, run, **streams) -> subprocess.Popen:
    """Plain snakemake training ``run`` in a session of its own, once its first state is saved."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-d", str(narrow), "--cores", "1"]
    command += [f"{run}/train_log.csv", "--configfile", str(MINI), str(overlay)]
    process = subprocess.Popen(command, start_new_session=True, preexec_fn=terminal_signals, **streams)
    deadline = time.monotonic() + 120
    while not (narrow / run / "work/state/trainer.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (narrow / run / "work/state/trainer.pt").exists()
    return process


def test_one_process_trains_a_run_even_when_snakemake_was_killed(narrow, tmp_path):
    """kill -9 of snakemake alone (as when a login node's session dies): its job trains on. Snakemake says to
    unlock and rerun; the rerun's job on the same run stops at once, naming the first. Once the first is gone, a
    rerun (of a shorter run, to finish soon) trains alone, and its log has each step once."""
    overlay, long, run = long_alignment(tmp_path, "S0W0M1", 20_000)
    first = training(narrow, overlay, run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = narrow / run / "work.lock"
    first.kill()  # snakemake alone: its job lives on
    first.wait()
    holder = re.search(r"pid (\d+)", lock.read_text())[1]
    snakemake(narrow, "--unlock", overlays=[MINI, overlay])
    second = snakemake(narrow, "--cores", "1", f"{run}/train_log.csv", overlays=[MINI, overlay], check=False)
    assert second.returncode != 0
    refused = (narrow / "logs/MiniXLM-R/align/de-en/S0W0M1.log").read_text()
    assert f"pid {holder} on host " in refused and "is training this run" in refused
    os.killpg(first.pid, signal.SIGKILL)  # the first job too (it was in snakemake's session)
    while subprocess.run(["kill", "-0", holder], capture_output=True).returncode == 0:
        time.sleep(0.2)
    overlay.write_text(yaml.safe_dump(NARROW | {"alignment": long | {"steps": 200}}))
    snakemake(narrow, "--cores", "1", f"{run}/train_log.csv", overlays=[MINI, overlay])
    rows = (narrow / run / "train_log.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == [str(step) for step in range(50, 201, 50)]


def test_ctrl_c_on_plain_snakemake_prints_no_traceback(narrow, tmp_path):
    overlay, _, run = long_alignment(tmp_path, "S0W1M1", 600)
    process = training(narrow, overlay, run, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    console = process.communicate(timeout=120)[0]
    assert "Traceback" not in console and "KeyboardInterrupt" not in console, console[-3000:]
    assert "interrupted (Ctrl-C)" in (narrow / "logs/MiniXLM-R/align/de-en/S0W1M1.log").read_text()
