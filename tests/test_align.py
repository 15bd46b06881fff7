"""Alignment training on tiny random encoders (XLM-R and BERT type, with and without an MLM head): what each
loss code computes, determinism, resume."""

import csv

import pytest
import torch
from conftest import tiny_alignment
from safetensors.torch import load_file
from transformers import AutoModelForMaskedLM

from align_transfer.alignment.align import (
    AlignmentObjective,
    ParallelBatches,
    SpecialTokens,
    TrainingInterrupted,
    train_alignment,
)
from align_transfer.alignment.encoders import tokenize_parallel
from align_transfer.core.modeling import load_encoder, mlm_head
from align_transfer.data.parallel import prepare_parallel


@pytest.fixture(scope="module", autouse=True)
def tokens(tiny_pairs):
    """Every test here reads the tiny world's tokenized de-en corpus (``tiny / "tokens"``)."""
    return tiny_pairs


settings = tiny_alignment


def batch(tiny):
    from datasets import load_from_disk

    tokens = load_from_disk(str(tiny / "tokens"))
    return ParallelBatches(list(tokens["src"]), list(tokens["tgt"]), 4, seed=0)[0]


class NoMasking:
    def torch_mask_tokens(self, *args):
        raise AssertionError("M=0 must not mask")


@pytest.mark.parametrize("code", ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0", "S1W1M1"])
def test_each_code_computes_exactly_its_terms_and_only_they_get_gradients(tiny, code):
    model, tokenizer = load_encoder(tiny / "encoder")
    objective = AlignmentObjective(model, tokenizer, settings(losses=code), torch.Generator().manual_seed(0))
    if code.endswith("M0"):
        objective.masker = NoMasking()
    losses, tokens = objective(*batch(tiny))
    expected = {term for term, flag in zip(("sentence", "word", "mlm"), code[1::2]) if flag == "1"}
    assert set(losses) == expected and tokens > 0
    sum(losses.values()).backward()
    head_grads = [p.grad for p in mlm_head(model).parameters() if p is not model.get_input_embeddings().weight]
    # only L_M reaches the MLM head: with λM = 0 it gets no gradient at all
    assert all(g is None for g in head_grads) == code.endswith("M0")


def test_the_sentence_pass_stops_at_its_layer_with_the_loss_and_gradients_of_the_full_pass(tiny):
    """L_S through layers 1..k only equals L_S read off a pass through every layer, and so do its gradients."""
    from align_transfer.alignment.losses import mean_pool, sentence_infonce

    model, tokenizer = load_encoder(tiny / "encoder")
    model.eval()  # no dropout: both passes see the same function
    objective = AlignmentObjective(model, tokenizer, settings(losses="S1W0M0"), torch.Generator().manual_seed(0))
    src, tgt = batch(tiny)
    params = list(model.base_model.parameters())
    losses, _ = objective(src, tgt)
    stopped = torch.autograd.grad(losses["sentence"], params, allow_unused=True)
    ids, mask = objective.pad([objective.with_specials(x) for x in src + tgt])
    seen = []
    hook = model.base_model.encoder.layer[1].register_forward_hook(lambda *_: seen.append(1))
    hidden = model.base_model(ids, attention_mask=mask, output_hidden_states=True).hidden_states[1]  # every layer
    hook.remove()
    z = mean_pool(hidden, mask.bool() & ~torch.isin(ids, objective.special))
    full = sentence_infonce(z[: len(src)], z[len(src) :], 0.1)
    assert seen and torch.allclose(losses["sentence"], full, atol=1e-6)
    for a, b in zip(stopped, torch.autograd.grad(full, params, allow_unused=True)):
        assert (a is None and b is None) or torch.allclose(a, b, atol=1e-6)  # layer 2 is reached by neither
    assert len(model.base_model.encoder.layer) == 2  # the layers are back after the pass


def bert_batch(tiny, tiny_bert):
    from datasets import load_from_disk

    if not (tiny / "bert_tokens").exists():
        tokenize_parallel(tiny / "de-en.tsv", tiny_bert, tiny / "bert_tokens", max_length=32)
    tokens = load_from_disk(str(tiny / "bert_tokens"))
    return ParallelBatches(list(tokens["src"]), list(tokens["tgt"]), 4, seed=0)[0]


@pytest.mark.parametrize("code", ["S0W0M1", "S0W1M0", "S1W0M0", "S1W1M1"])
def test_a_bert_type_encoder_computes_each_code_with_its_segments(tiny, tiny_bert, code):
    model, tokenizer = load_encoder(tiny_bert)
    assert type(model).__name__ == "BertForMaskedLM"
    objective = AlignmentObjective(model, tokenizer, settings(losses=code), torch.Generator().manual_seed(0))
    seen = []
    model.base_model.register_forward_pre_hook(
        lambda _, args, kwargs: seen.append(kwargs.get("token_type_ids")), with_kwargs=True
    )
    losses, _ = objective(*bert_batch(tiny, tiny_bert))
    assert set(losses) == {term for term, flag in zip(("sentence", "word", "mlm"), code[1::2]) if flag == "1"}
    assert all(torch.isfinite(value) for value in losses.values())
    sum(losses.values()).backward()
    # the word pass marks the second sentence as segment B, as BERT's tokenizer does; no other pass has segments
    assert [types is not None for types in seen] == [
        term == "word" for term in ("sentence", "word", "mlm") if term in losses
    ]


def test_an_encoder_without_an_mlm_head_takes_the_codes_without_m_and_refuses_m(tiny, tmp_path):
    from transformers import AutoModel

    model, tokenizer = load_encoder(tiny / "encoder", mlm_head=False)
    assert model is model.base_model  # the bare backbone
    with pytest.raises(ValueError, match="S1W1M1 takes L_M, which needs an MLM head; this encoder has none"):
        AlignmentObjective(model, tokenizer, settings(losses="S1W1M1"), torch.Generator())
    objective = AlignmentObjective(model, tokenizer, settings(losses="S1W1M0"), torch.Generator().manual_seed(0))
    assert set(objective(*batch(tiny))[0]) == {"sentence", "word"}
    out = tmp_path / "run"
    train_alignment(
        tiny / "encoder",
        tiny / "tokens",
        {2: out / "step2"},
        out / "log.csv",
        out / "work",
        settings(losses="S1W1M0", steps=2, checkpoint_steps=[2]),
        mlm_head=False,
    )
    saved = load_file(out / "step2/model.safetensors")
    assert not any(key.startswith("lm_head") for key in saved) and AutoModel.from_pretrained(out / "step2")


def test_a_pair_is_cut_longest_first_to_fit_the_position_limit(tiny, tiny_bert):
    from transformers import AutoTokenizer

    for folder, specials in ((tiny / "encoder", 4), (tiny_bert, 3)):  # <s> x </s></s> y </s>; [CLS] x [SEP] y [SEP]
        wrap = SpecialTokens(AutoTokenizer.from_pretrained(folder))
        assert wrap.pair_specials == specials
        first, second = wrap.fit_pair(list(range(10)), list(range(100, 104)), limit=10 + specials)
        assert (first, second) == (list(range(6)), list(range(100, 104)))  # the longer side gave up its last 4
        first, second = wrap.fit_pair(list(range(6)), list(range(100, 105)), limit=8 + specials)
        assert (len(first), len(second)) == (4, 4) and len(wrap(first, second)) == 8 + specials
        assert wrap.fit_pair([1, 2], [3], limit=100) == ([1, 2], [3])


def test_special_tokens_wrap_like_the_tokenizer(tiny):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    wrap = SpecialTokens(tokenizer)
    x = tokenizer("Anna", add_special_tokens=False)["input_ids"]
    y = tokenizer("sola", add_special_tokens=False)["input_ids"]
    assert wrap(x) == tokenizer("Anna")["input_ids"]
    assert wrap(x, y) == tokenizer("Anna", "sola")["input_ids"]
    assert wrap(x, y)[:1] == [tokenizer.cls_token_id] and wrap(x, y).count(tokenizer.sep_token_id) == 3
    assert not wrap.uses_types and set(wrap.pair_types(x, y)) == {0}


def test_special_tokens_wrap_like_a_bert_tokenizer_with_its_segments(tiny_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    wrap = SpecialTokens(tokenizer)
    x = tokenizer("Anna sola", add_special_tokens=False)["input_ids"]
    y = tokenizer("nove", add_special_tokens=False)["input_ids"]
    encoded = tokenizer("Anna sola", "nove")
    assert wrap(x) == tokenizer("Anna sola")["input_ids"] and wrap(x, y) == encoded["input_ids"]
    assert wrap.uses_types and wrap.pair_types(x, y) == encoded["token_type_ids"] and 1 in encoded["token_type_ids"]


def test_batches_are_seeded_permutations_that_wrap_around():
    batches = ParallelBatches(list(range(10)), list(range(10)), batch_size=4, seed=3)
    stream = [i for step in range(5) for i in batches[step][0]]  # 20 items: two epochs
    assert sorted(stream[:10]) == list(range(10)) and sorted(stream[10:]) == list(range(10))
    assert stream[:10] != stream[10:]
    assert ParallelBatches(list(range(10)), list(range(10)), 4, seed=3)[4] == batches[4]
    with pytest.raises(ValueError, match="fewer than one batch"):
        ParallelBatches([1, 2], [1, 2], batch_size=4, seed=0)


def run(tiny, out, tokens="tokens", **kwargs):
    checkpoints = {3: out / "step3", 6: out / "step6"}
    overrides = {key: kwargs.pop(key) for key in list(kwargs) if key not in ("interrupt_after", "device", "params")}
    train_alignment(
        tiny / "encoder",
        tiny / tokens,
        checkpoints,
        out / "train_log.csv",
        out / "work",
        settings(**overrides),
        **kwargs,
    )
    return {step: load_file(path / "model.safetensors") for step, path in checkpoints.items()}


def rows(out):
    with open(out / "train_log.csv") as handle:
        return [{k: v for k, v in r.items() if k != "tokens_per_second"} for r in csv.DictReader(handle)]


def same(a, b):
    return all(torch.equal(a[step][k], b[step][k]) for step in a for k in a[step])


def test_same_seed_same_checkpoints_and_a_log_of_every_term(tiny, tmp_path):
    first, second = run(tiny, tmp_path / "a"), run(tiny, tmp_path / "b")
    for step in (3, 6):
        assert first[step].keys() == second[step].keys()
        assert all(torch.equal(first[step][k], second[step][k]) for k in first[step])
    assert not all(torch.equal(first[3][k], first[6][k]) for k in first[3])
    # the finished work stays for a retry after the fact: the checkpoints as hard links, no resumable state
    work = tmp_path / "a/work"
    assert (work / "finished.json").exists() and not (work / "state").exists()
    assert (work / "checkpoints/step6/model.safetensors").stat().st_ino == (
        tmp_path / "a/step6/model.safetensors"
    ).stat().st_ino
    with open(tmp_path / "a/train_log.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [2, 4, 6]
    assert all(float(r["loss_sentence"]) > 0 and float(r["loss_word"]) > 0 and float(r["loss_mlm"]) > 0 for r in rows)
    assert all(float(r["tokens_per_second"]) > 0 for r in rows)
    model = AutoModelForMaskedLM.from_pretrained(tmp_path / "a/step6")  # the MLM head is saved too
    assert mlm_head(model) is not None


def test_an_interrupted_run_resumes_to_the_same_weights_and_log(tiny, tmp_path):
    # a log row every 3 steps, a state every 2: the state at step 4 holds half of the row at 6
    straight = run(tiny, tmp_path / "straight", log_every=3)
    with pytest.raises(TrainingInterrupted):
        run(tiny, tmp_path / "resumed", log_every=3, interrupt_after=5)  # state saved at 4, step 5 is lost
    assert (tmp_path / "resumed/work/state/trainer.pt").exists()
    assert not (tmp_path / "resumed/step6").exists()
    resumed = run(tiny, tmp_path / "resumed", log_every=3)
    assert same(straight, resumed)
    assert [int(r["step"]) for r in rows(tmp_path / "resumed")] == [3, 6]
    assert rows(tmp_path / "resumed") == rows(tmp_path / "straight")  # the row at 6 covers steps 4-6 in both


@pytest.mark.parametrize("change", [{"learning_rate": 5e-4}, {"seed": 7}, {"tokens": "tokens_other"}])
def test_a_state_of_another_run_is_not_resumed(tiny, tmp_path, caplog, change):
    if "tokens" in change and not (tiny / "tokens_other").exists():
        prepare_parallel(
            tiny / "world/opus/OPUS-MiniWorld/v1/moses/de-en.txt.zip",
            tiny / "other.tsv",
            pair="de-en",
            max_chars=1000,
            cap=90,
            seed=1,
        )
        tokenize_parallel(tiny / "other.tsv", tiny / "encoder", tiny / "tokens_other", max_length=32)
    with pytest.raises(TrainingInterrupted):
        run(tiny, tmp_path / "run", interrupt_after=5)
    fresh = run(tiny, tmp_path / "fresh", **change)
    with caplog.at_level("INFO", logger="align_transfer.alignment.align"):
        changed = run(tiny, tmp_path / "run", **change)
    assert "belongs to another run" in caplog.text and "resuming" not in caplog.text
    what = "the tokenized corpus" if "tokens" in change else next(iter(change))
    assert what in caplog.text
    assert same(fresh, changed)  # what an uninterrupted run with the new setting gives


def test_a_changed_log_cadence_still_resumes(tiny, tmp_path, caplog):
    with pytest.raises(TrainingInterrupted):
        run(tiny, tmp_path / "run", interrupt_after=5)
    with caplog.at_level("INFO", logger="align_transfer.alignment.align"):
        run(tiny, tmp_path / "run", log_every=3)
    assert "resuming S1W1M1 from step 4" in caplog.text


def test_outputs_lost_after_the_fact_are_restored_from_the_work_folder_without_training(tiny, tmp_path, caplog):
    """A job that SLURM or snakemake failed after training finished (a time limit reached while the outputs
    were checked): its retry finds the finished work and trains nothing."""
    import shutil

    first = run(tiny, tmp_path / "run")
    for output in ("step3", "step6"):
        shutil.rmtree(tmp_path / "run" / output)  # what snakemake does to a failed job's outputs
    (tmp_path / "run/train_log.csv").unlink()
    with caplog.at_level("INFO", logger="align_transfer.alignment.align"):
        again = run(tiny, tmp_path / "run")
    assert "restored from" in caplog.text and "alignment S1W1M1:" not in caplog.text  # no progress line: no step
    assert same(first, again) and (tmp_path / "run/train_log.csv").exists()


def lose_outputs(out):
    """What snakemake does to a job's outputs before it runs it again (a forced rebuild, a retry)."""
    import shutil

    for output in ("step3", "step6"):
        shutil.rmtree(out / output)
    (out / "train_log.csv").unlink()


def test_a_change_to_the_code_or_the_params_trains_again_saying_why(tiny, tmp_path, caplog, monkeypatch):
    """A researcher who fixes a bug and forces a rerun gets new numbers: a changed digest of the training code,
    or any changed param of the rule (an encoder's mlm_head, say), is not restored."""
    from align_transfer.core import state

    first = run(tiny, tmp_path / "run", params={"mlm_head": True})
    for change, why in (
        ({"params": {"mlm_head": False}}, "mlm_head True -> False"),
        ({"code": "edited"}, "the code that trains (align_transfer's modules)"),
    ):
        lose_outputs(tmp_path / "run")
        if "code" in change:
            monkeypatch.setattr(state, "code_digest", lambda *parts: "edited")
        caplog.clear()
        with caplog.at_level("INFO", logger="align_transfer.alignment.align"):
            again = run(tiny, tmp_path / "run", params=change.get("params", {"mlm_head": True}))
        assert "is not restored (what determines the run changed: " in caplog.text and why in caplog.text
        assert "restored from" not in caplog.text and "alignment S1W1M1:" in caplog.text  # steps were trained
        assert same(first, again)  # the same numbers here: neither change touches the arithmetic


def test_a_checkpoint_damaged_in_place_is_trained_again_not_restored(tiny, tmp_path, caplog):
    """The output and the kept copy are one file (a hard link): a flipped bit in one is in both, and the digest
    recorded when the run finished says so. A job that loads the damaged checkpoint names it as damaged."""
    from align_transfer.core.io import InputError
    from align_transfer.core.modeling import load_model

    first = {step: {k: v.clone() for k, v in tensors.items()} for step, tensors in run(tiny, tmp_path / "run").items()}
    damaged = tmp_path / "run/step6/model.safetensors"
    damaged.chmod(0o644)
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(InputError) as refused:
        load_model(tmp_path / "run/step6")
    assert "is damaged: model.safetensors differs from the sha256 recorded when it was written" in str(refused.value)
    assert f"snakemake --force {tmp_path / 'run/step6'}`" in str(refused.value)
    lose_outputs(tmp_path / "run")
    with caplog.at_level("INFO", logger="align_transfer.alignment.align"):
        again = run(tiny, tmp_path / "run")
    assert (
        "differs from the sha256 recorded when the run finished" in caplog.text and "restored from" not in caplog.text
    )
    assert same(first, again)  # retrained to the very same weights


@pytest.fixture
def small_disk(tmp_path):
    """A 600 KB file system of its own (tmpfs; needs root, as CI has): too small for a checkpoint."""
    import subprocess

    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small file system here (not root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_names_the_file_and_leaves_nothing_half_written(tiny, small_disk):
    from align_transfer.core.io import WriteError

    with pytest.raises(WriteError) as full:
        run(tiny, small_disk / "run")
    message = str(full.value)
    assert f"cannot write {small_disk}/run/work/" in message and "the disk is full" in message and "MB free" in message
    assert not list(small_disk.glob("run/step*")) and not list(small_disk.rglob(".*.*"))  # nothing half-written kept


def test_a_corpus_smaller_than_a_batch_is_a_config_error(tiny, tmp_path):
    from align_transfer.core.config import ConfigError

    with pytest.raises(ConfigError, match=r"alignment.batch_size: 500, but .* holds \d+ sentence pairs"):
        run(tiny, tmp_path / "run", batch_size=500)
    assert not (tmp_path / "run/work").exists()


def test_a_stop_signal_saves_the_state_at_the_current_step_and_the_rerun_resumes(tiny, tmp_path, monkeypatch):
    """SIGUSR1 (SLURM's warning before a time limit) in the middle of step 5: the step ends, its state is
    saved, the job stops with an error; the rerun resumes at step 5 and ends with the same weights."""
    import os
    import signal

    from align_transfer.core.state import Stopped

    straight = run(tiny, tmp_path / "straight", log_every=3)
    fetch = ParallelBatches.__getitem__

    def signalled(self, step):
        if step == 4:  # the fifth step's batch
            os.kill(os.getpid(), signal.SIGUSR1)
        return fetch(self, step)

    monkeypatch.setattr(ParallelBatches, "__getitem__", signalled)
    with pytest.raises(Stopped, match="stopped at SIGUSR1 after saving its state"):
        run(tiny, tmp_path / "resumed", log_every=3)
    monkeypatch.setattr(ParallelBatches, "__getitem__", fetch)
    assert torch.load(tmp_path / "resumed/work/state/trainer.pt", weights_only=True)["progress"]["step"] == 5
    assert signal.getsignal(signal.SIGUSR1) is not None and not (tmp_path / "resumed/step6").exists()
    resumed = run(tiny, tmp_path / "resumed", log_every=3)
    assert same(straight, resumed) and rows(tmp_path / "resumed") == rows(tmp_path / "straight")


@pytest.mark.parametrize("change", [{"temperature": 1e-45}, {"learning_rate": 1e8}])
def test_a_non_finite_loss_stops_training_and_writes_no_checkpoint(tiny, tmp_path, change):
    from align_transfer.core.state import NonFiniteLoss

    with pytest.raises(
        NonFiniteLoss, match=r"alignment S1W1M1: the loss L_. is not finite at step \d+ \(learning_rate"
    ) as error:
        run(tiny, tmp_path / "run", **change)
    key, value = next(iter(change.items()))
    assert f"{key} {value:g}" in str(error.value)
    assert not (tmp_path / "run/step3").exists() and not (tmp_path / "run/work").exists()


def test_a_run_that_fails_before_its_first_state_leaves_no_work_folder(tiny, tmp_path):
    with pytest.raises(TrainingInterrupted):
        run(tiny, tmp_path / "run", interrupt_after=1)
    assert not (tmp_path / "run/work").exists()


def test_the_bf16_path_gives_the_fp32_losses_and_gradients_within_bf16_precision(tiny, bf16_on_cpu):
    """One S1W1M1 step under the GPU path's bf16 autocast, against fp32 on the same batch, masks and
    negatives: each loss within 2% and the gradient's direction within a cosine of 0.99; then a short
    bf16 run trains and checkpoints fp32 weights near the fp32 run's."""
    from align_transfer.core.precision import autocast

    src, tgt = batch(tiny)
    results = {}
    for bf16 in (False, True):
        model, tokenizer = load_encoder(tiny / "encoder")
        model.eval()  # no dropout: both see the same function
        objective = AlignmentObjective(model, tokenizer, settings(), torch.Generator().manual_seed(0))
        with autocast("cpu", bf16):
            losses, _ = objective(src, tgt)
        sum(losses.values()).backward()
        gradient = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
        results[bf16] = {term: float(value.detach()) for term, value in losses.items()}, gradient
    (fp32, g32), (bf16, g16) = results[False], results[True]
    assert fp32.keys() == bf16.keys() == {"sentence", "word", "mlm"} and fp32 != bf16  # bf16 did run
    assert all(bf16[t] == pytest.approx(fp32[t], rel=0.02) for t in fp32), (fp32, bf16)
    assert torch.nn.functional.cosine_similarity(g32, g16, dim=0) > 0.99

    runs = {}
    for bf16 in (False, True):
        out = tiny / f"bf16_{bf16}"
        train_alignment(
            tiny / "encoder",
            tiny / "tokens",
            {2: out / "step2"},
            out / "log.csv",
            out / "work",
            settings(steps=2, checkpoint_steps=[2], bf16=bf16),
        )
        runs[bf16] = load_file(out / "step2/model.safetensors")
    assert all(tensor.dtype == torch.float32 for tensor in runs[True].values())
    assert any(not torch.equal(runs[True][k], runs[False][k]) for k in runs[True])
    weights = [torch.cat([runs[b][k].flatten() for k in sorted(runs[b])]) for b in (False, True)]
    base = torch.cat([v.flatten() for _, v in sorted(load_file(tiny / "encoder/model.safetensors").items())])
    steps = [w - base for w in weights]  # what two steps changed, with and without bf16
    assert torch.nn.functional.cosine_similarity(*steps, dim=0) > 0.9


def test_tlm_is_masked_language_modelling_over_the_concatenated_pair_on_both_sides(tiny):
    """L_T by hand: the pair as the encoder takes a pair, the same masks (same seed), and the mean over the masked
    positions of -log p(original token), in a plain loop; masked positions fall on both sides, never on specials."""
    model, tokenizer = load_encoder(tiny / "encoder")
    model.eval()
    objective = AlignmentObjective(model, tokenizer, settings(losses="S0W0M0T1"), torch.Generator().manual_seed(0))
    src, tgt = batch(tiny)
    losses, _ = objective(src, tgt)
    assert set(losses) == {"tlm"}
    again = AlignmentObjective(model, tokenizer, settings(losses="S0W0M0T1"), torch.Generator().manual_seed(0))
    pairs = [again.with_specials.fit_pair(x, y, again.settings.position_limit) for x, y in zip(src, tgt)]
    ids, mask = again.pad([again.with_specials(x, y) for x, y in pairs])
    masked, labels = again.mask(ids)
    with torch.no_grad():
        logits = model(input_ids=masked, attention_mask=mask).logits.float()
    total, count, sides = 0.0, 0, set()
    for row, (x, _) in enumerate(pairs):
        for col in range(ids.shape[1]):
            if labels[row, col] == -100:
                continue
            assert labels[row, col] == ids[row, col] and mask[row, col] == 1
            assert int(ids[row, col]) not in tokenizer.all_special_ids
            sides.add("x" if col <= len(x) else "y")
            total -= torch.log_softmax(logits[row, col], dim=-1)[labels[row, col]].item()
            count += 1
    assert sides == {"x", "y"} and count > 0
    assert losses["tlm"].item() == pytest.approx(total / count, abs=1e-5)
    losses["tlm"].backward()
    assert all(p.grad is not None for p in mlm_head(model).parameters())  # L_T trains the MLM head
