import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

# Snakemake's SLURM plugin runs `scontrol show config` as it loads; with a SLURM client installed and
# no controller up (this machine outside the SLURM tier) that waits 9 s on every snakemake start.
# Tests point SLURM at no configuration, which fails at once; `local_slurm` gives the real one back.
NO_SLURM = os.devnull
os.environ.setdefault("SLURM_CONF", NO_SLURM)


def pytest_configure(config):
    """Torch on one thread in the tests' own processes, as the mini world's jobs run it (training_threads: 1):
    beside another tier's jobs on the same two cores, a thread per core spins against them (a test that
    fine-tunes 12 times took 30 s so, and 7 s on one thread, beside two busy processes; 2026-12-06)."""
    import torch

    torch.set_num_threads(1)


needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")


def snakemake(workdir, *args, overlays=(), check=True, timeout=1800, runner=(str(SNAKEMAKE),)):
    """Run the workflow in ``workdir`` with the mini/paper config plus ``overlays`` (paths or dicts), with
    snakemake or another ``runner`` of its command line."""
    configfiles = []
    for number, overlay in enumerate(overlays):
        if isinstance(overlay, dict):
            path = Path(workdir) / f"overlay{number}.yaml"
            path.write_text(yaml.safe_dump(overlay))
            overlay = path
        configfiles.append(str(overlay))
    command = [*runner, "-s", str(REPO / "workflow/Snakefile"), "-d", str(workdir), *args]
    if configfiles:
        command += ["--configfile", *configfiles]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
        )
    return result


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count}."""
    table = output.split("Job stats:")[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}


#: The offline stand-in's facts, as config/mirror-example.yaml states them: 12 layers, no MLM head.
STAND_IN_FACTS = {"mlm_head": False, "max_length": 512, "sentence_layer": 8, "layers": [4, 8, 12], "retrieval_layer": 8}


@pytest.fixture(scope="session")
def stand_in(tmp_path_factory):
    """The offline stand-in for XLM-R (../shared/tools), prepared as the workflow prepares it: a real
    multilingual encoder (BERT type, XLM-R's vocabulary) without an MLM head; the download is beside it (``raw``)."""
    from align_transfer.alignment.encoders import prepare_base_encoder

    if not SHARED_DATA.is_dir():
        pytest.skip("../shared is absent")
    root = tmp_path_factory.mktemp("stand_in")
    builder = SHARED_DATA.parent / "tools/make_stand_in_encoder.py"
    subprocess.run([sys.executable, str(builder), str(root / "raw")], check=True, capture_output=True, timeout=600)
    prepare_base_encoder(root / "raw", root / "base", "encoders[0] (StandIn)", STAND_IN_FACTS)
    return root / "base"


TINY_SIZES = dict(
    parallel=120, monolingual=150, flores=12, ud_train=40, ud_dev=12, ud_test=12, sib_train=40, sib_dev=12, sib_test=12
) | dict(ner_train=40, ner_dev=12, ner_test=12)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A small mini world and a tiny random XLM-R with a tokenizer trained on it."""
    import torch
    from transformers import AutoTokenizer, XLMRobertaConfig, XLMRobertaForMaskedLM

    from align_transfer.alignment.encoders import train_mini_tokenizer
    from align_transfer.data.mini_world import generate

    root = tmp_path_factory.mktemp("tiny")
    generate(root / "world", seed=1, sizes=TINY_SIZES, anchor_share=0.3, pairs=["de-en"])
    train_mini_tokenizer(sorted((root / "world/mono").glob("*.txt")), root / "encoder", vocab_size=400)
    tokenizer = AutoTokenizer.from_pretrained(root / "encoder")
    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=300,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
    )
    XLMRobertaForMaskedLM(config).save_pretrained(root / "encoder")
    return root


@pytest.fixture(scope="session")
def tiny_pairs(tiny):
    """The tiny world's de-en pairs, cleaned and tokenized by the tiny encoder as the workflow does it."""
    from align_transfer.alignment.encoders import tokenize_parallel
    from align_transfer.data.parallel import prepare_parallel

    if not (tiny / "tokens").exists():
        prepare_parallel(
            tiny / "world/opus/OPUS-MiniWorld/v1/moses/de-en.txt.zip",
            tiny / "de-en.tsv",
            pair="de-en",
            max_chars=1000,
            cap=100,
            seed=0,
        )
        tokenize_parallel(tiny / "de-en.tsv", tiny / "encoder", tiny / "tokens", max_length=32)
    return tiny / "tokens"


def tiny_alignment(**overrides):
    """Alignment settings sized for the tiny encoder (2 layers of width 32, a vocabulary of 400)."""
    from align_transfer.core.settings import AlignmentSettings

    values = dict(
        losses="S1W1M1",
        learning_rate=1e-3,
        batch_size=4,
        max_length=32,
        word_negatives=16,
        temperature=0.1,
        steps=6,
        checkpoint_steps=[3, 6],
        seed=42,
        sentence_layer=1,
        log_every=2,
        state_every=2,
    )
    return AlignmentSettings(**(values | overrides))


@pytest.fixture(scope="module")
def tiny_bert(tiny):
    """A tiny random BERT with a WordPiece tokenizer trained on the tiny world (``tiny``/bert): the other
    architecture, and the other kind of tokenizer."""
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from align_transfer.alignment.encoders import mini_config, train_mini_tokenizer

    folder = tiny / "bert"
    if not folder.exists():
        train_mini_tokenizer(
            sorted((tiny / "world/mono").glob("*.txt")), folder, vocab_size=400, architecture="bert", max_length=64
        )
        torch.manual_seed(0)
        config = mini_config(
            "bert",
            len(AutoTokenizer.from_pretrained(folder)),
            hidden_size=32,
            layers=2,
            heads=2,
            intermediate_size=64,
            dropout=0.1,
            max_length=64,
        )
        AutoModelForMaskedLM.from_config(config).save_pretrained(folder)
    return folder


TOOLS = SHARED_DATA.parent / "tools"
MINI = REPO / "config/mini.yaml"
# The mini world narrowed to one job (or a few) of every rule: one pair and loss code, one seed,
# one evaluation language, a tiny world. The SLURM test runs it.
MINI_ENCODER = yaml.safe_load(MINI.read_text())["encoders"][0]  # MiniXLM-R
NARROW = {
    "mini_world": {"sizes": TINY_SIZES},
    "encoders": [MINI_ENCODER | {"mini": MINI_ENCODER["mini"] | {"steps": 30, "vocab_size": 400}}],
    "alignment": {
        "pairs": [{"pair": "de-en", "corpus": "MiniWorld", "version": "v1", "cap": 100}],
        "losses": ["S1W0M1"],
        "steps": 4,
        "checkpoint_steps": [2, 4],
        "log_every": 2,
        "state_every": 2,
    },
    "finetune": {"tasks": ["sc"], "seeds": [15], "checkpoint_steps": [4]},  # SC alone: it has the instance level
    "evaluation": {"languages": ["de"], "table_step": 4},
    "data": {"lexicons": [{"pair": "en-de"}]},
    "analysis": {
        "finetuned_seeds": [15],
        "gradient_batches": 1,
        "retrieval_groups": [{"group": "With English", "pairs": ["deu-eng"]}],
    },
}


@pytest.fixture(scope="session")
def local_slurm():
    """A single-node SLURM cluster (../shared/tools) for the session, stopped afterwards even on failure;
    None where it cannot run (no ../shared, or not root)."""
    if not (TOOLS / "start-local-slurm.sh").exists() or os.geteuid() != 0:
        yield None
        return
    if os.environ.get("SLURM_CONF") == NO_SLURM:
        del os.environ["SLURM_CONF"]
    try:
        # two fake GPUs, so that two of the mini world's GPU jobs run side by side on the two cores
        env = os.environ | {"SLURM_FAKE_GPUS": "2"}
        started = subprocess.run(
            ["bash", str(TOOLS / "start-local-slurm.sh")], capture_output=True, text=True, timeout=900, env=env
        )
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
        yield TOOLS
    finally:
        subprocess.run(["bash", str(TOOLS / "stop-local-slurm.sh")], capture_output=True, timeout=300)


def slurm_profile(directory, partitions=(("FILL_IN_CPU_PARTITION", "cpu"), ("FILL_IN_GPU_PARTITION", "gpu"))):
    """A copy of slurm/ with the local test cluster's partition names filled in: the only change."""
    profile = Path(directory) / "slurm"
    profile.mkdir()
    text = (REPO / "slurm/config.yaml").read_text()
    for placeholder, name in partitions:
        text = text.replace(placeholder, name)
    (profile / "config.yaml").write_text(text)
    return profile


def demo_command(workdir, *configfiles, targets=()):
    """`make demo`'s command (tools/demo.py) on 2 cores in ``workdir``, with these config files (by default the
    mini world's) and snakemake targets."""
    command = [sys.executable, str(REPO / "tools/demo.py"), "--cores", "2", "--directory", str(workdir)]
    command += ["--configfile", *map(str, configfiles)] if configfiles else []
    return command + (["--", *targets] if targets else [])


@pytest.fixture(scope="session")
def mini_run(tmp_path_factory):
    """The whole mini workflow, run as `make demo` runs it (tools/demo.py: the warm worker, the
    brief console) on 2 cores, in a directory of its own."""
    if os.getenv("ALIGN_TRANSFER_MINI_RUN"):  # a finished mini run to reuse while developing
        return Path(os.environ["ALIGN_TRANSFER_MINI_RUN"])
    workdir = tmp_path_factory.mktemp("mini")
    result = subprocess.run(
        demo_command(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )
    (workdir / "console.log").write_text(result.stdout)  # both streams, in order, as a terminal shows them
    assert result.returncode == 0, result.stdout[-5000:]
    return workdir


@pytest.fixture
def bf16_on_cpu(monkeypatch):
    """The GPU precision path (bf16 autocast) on this CPU: autocast supports bf16 there."""
    from align_transfer.core import precision

    monkeypatch.setattr(precision, "AUTOCAST_DEVICES", {"cuda", "cpu"})
