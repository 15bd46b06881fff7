"""Fine-tuning and zero-shot evaluation: first-sub-token labels, accuracy, determinism, real data."""

import json
import math

import pytest
import torch
from conftest import SHARED_DATA, needs_shared

from align_transfer.data.sib200 import read_sib_tsv, write_sib_tsv
from align_transfer.data.tasks import accuracy, correct_and_total, first_subtoken_labels, tokenize_task
from align_transfer.data.ud import UPOS, read_conllu, write_jsonl
from align_transfer.finetuning.finetune import FinetuneSettings, epoch_batches, finetune_full, linear_probes


def test_accuracy_counts_only_scored_items():
    predictions = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    labels = torch.tensor([[1, -100, 0, 4], [5, -100, -100, 0]])
    # by hand: scored 1,0,4 | 5,0 -> correct 1, 4, 5 -> 3 of 5
    assert correct_and_total(predictions, labels) == (3, 5)
    assert accuracy(predictions, labels) == pytest.approx(0.6)


def write_task_files(tiny, langs=("de", "ja")):
    """Prepared UD and SIB files of the tiny world, as the prepare rules write them."""
    files = {"pos": {}, "sc": {}}
    for split, name in (("train", "train"), ("dev", "dev")):
        path = tiny / f"ud_en_{split}.jsonl"
        write_jsonl(path, read_conllu(tiny / f"world/ud/UD_English-Mini/en_mini-ud-{split}.conllu"))
        files["pos"][name] = path
        sib = tiny / f"sib_en_{split}.tsv"
        write_sib_tsv(sib, read_sib_tsv(tiny / f"world/sib200/data/annotated/eng_Latn/{split}.tsv"))
        files["sc"][name] = sib
    codes = {"de": ("German", "deu_Latn"), "ja": ("Japanese", "jpn_Jpan")}
    for lang in langs:
        name, code = codes[lang]
        path = tiny / f"ud_{lang}_test.jsonl"
        write_jsonl(path, read_conllu(tiny / f"world/ud/UD_{name}-Mini/{lang}_mini-ud-test.conllu"))
        files["pos"][f"test_{lang}"] = path
        sib = tiny / f"sib_{lang}_test.tsv"
        write_sib_tsv(sib, read_sib_tsv(tiny / f"world/sib200/data/annotated/{code}/test.tsv"))
        files["sc"][f"test_{lang}"] = sib
    return files


@pytest.fixture(scope="module")
def task_data(tiny):
    from datasets import load_from_disk

    files = write_task_files(tiny)
    data = {}
    for task in ("pos", "sc"):
        tokenize_task(task, files[task], tiny / "encoder", tiny / f"task_{task}", max_length=64)
        data[task] = load_from_disk(str(tiny / f"task_{task}"))
    return data


def settings(task, **overrides):
    values = dict(task=task, batch_size=8, backbone_lr=1e-3, head_lr=1e-2, linear_lr=1e-2, epochs=2, max_length=64)
    return FinetuneSettings(**(values | overrides))


@pytest.mark.parametrize("task", ["pos", "sc"])
def test_same_seed_same_metrics(tiny, task_data, task):
    first = finetune_full(tiny / "encoder", task_data[task], settings(task), 15, ["de", "ja"], device="cpu")
    second = finetune_full(tiny / "encoder", task_data[task], settings(task), 15, ["de", "ja"], device="cpu")
    assert first[1] == second[1] and first[2] == second[2]
    rows, items = first[2]
    assert [row["language"] for row in rows] == ["de", "ja"] and all(row["n"] > 0 for row in rows)
    for row in rows:  # one item per test example; their counts add up to the language's accuracy
        mine = [item for item in items if item["language"] == row["language"]]
        assert [item["item"] for item in mine] == list(range(len(task_data[task][f"test_{row['language']}"])))
        assert sum(item["total"] for item in mine) == row["n"]
        assert sum(item["correct"] for item in mine) / row["n"] == pytest.approx(row["accuracy"])
    probes = [
        list(linear_probes(tiny / "encoder", task_data[task], settings(task), [15, 42], ["de"], "cpu"))
        for _ in range(2)
    ]
    assert [(s, log, rows) for s, _, log, rows in probes[0]] == [(s, log, rows) for s, _, log, rows in probes[1]]
    assert probes[0][0][2] != probes[0][1][2]  # another seed, another run
    (_, _, _, (probe_rows, probe_items)), _ = probes[0]
    assert sum(i["correct"] for i in probe_items) / sum(i["total"] for i in probe_items) == pytest.approx(
        probe_rows[0]["accuracy"]
    )
    assert {i["total"] for i in probe_items} != {1} if task == "pos" else {i["total"] for i in probe_items} == {1}
    logs = [first[1]] + [log for _, _, log, _ in probes[0]]
    assert all(math.isfinite(row["train_loss"]) for log in logs for row in log)


def test_best_dev_selection_ends_on_the_best_epoch(tiny, task_data):
    model, dev_log, _, _ = finetune_full(
        tiny / "encoder", task_data["sc"], settings("sc", epochs=3, model_selection="best_dev"), 33, ["de"], "cpu"
    )
    from align_transfer.finetuning.finetune import TaskData, evaluate

    correct, total = evaluate(model, TaskData(task_data["sc"]["dev"], "sc", pad_id=1))
    assert correct / total == max(row["dev_accuracy"] for row in dev_log)


def test_a_task_scored_by_span_f1_logs_and_selects_by_its_dev_f1(tiny, tmp_path):
    from datasets import load_from_disk

    from align_transfer.core.metrics import METRICS
    from align_transfer.data.wikiann import read_wikiann
    from align_transfer.finetuning.finetune import TaskData, item_statistics

    files = {}
    for split, lang, name in (("train", "en", "train"), ("dev", "en", "validation"), ("test_de", "de", "test")):
        files[split] = tmp_path / f"ner_{split}.jsonl"
        write_jsonl(files[split], read_wikiann(tiny / f"world/wikiann/{lang}/{name}-00000-of-00001.parquet"))
    tokenize_task("ner", files, tiny / "encoder", tmp_path / "task", max_length=64)
    data = load_from_disk(str(tmp_path / "task"))
    chosen = settings("ner", epochs=3, model_selection="best_dev", backbone_lr=5e-3, head_lr=5e-2)
    model, dev_log, _, _ = finetune_full(tiny / "encoder", data, chosen, 33, ["de"], "cpu")
    assert [sorted(row) for row in dev_log] == [["dev_f1", "epoch", "train_loss"]] * 3
    dev_f1 = METRICS["f1"].score(item_statistics(model, TaskData(data["dev"], "ner", pad_id=1), "ner"))
    assert dev_f1 == max(row["dev_f1"] for row in dev_log)


def test_linear_probes_leave_the_backbone_untouched(tiny, task_data):
    from safetensors.torch import load_file

    before = load_file(tiny / "encoder/model.safetensors")
    for _ in linear_probes(tiny / "encoder", task_data["pos"], settings("pos"), [15], ["de"], "cpu"):
        pass
    after = load_file(tiny / "encoder/model.safetensors")
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_length_grouped_batches_cover_every_row_once_from_shuffled_buckets_and_pad_less():
    import random

    rng = random.Random(0)
    lengths = [rng.randint(1, 100) for _ in range(1000)]
    generator = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    order = torch.randperm(1000, generator=generator()).tolist()
    plain = epoch_batches(1000, 8, generator())
    assert plain == [order[start : start + 8] for start in range(0, 1000, 8)]  # today's random batches
    grouped = epoch_batches(1000, 8, generator(), lengths)
    assert sorted(row for batch in grouped for row in batch) == list(range(1000)) and len(grouped) == 125
    buckets = [set(order[start : start + 400]) for start in range(0, 1000, 400)]  # 50 batches of 8
    assert all(any(set(batch) <= bucket for bucket in buckets) for batch in grouped)
    assert all([lengths[r] for r in batch] == sorted((lengths[r] for r in batch), reverse=True) for batch in grouped)
    assert grouped != sorted(grouped, key=lambda batch: -lengths[batch[0]])  # the batches are shuffled

    def padded(batches):
        return sum(len(batch) * max(lengths[r] for r in batch) for batch in batches)

    assert padded(grouped) < 0.6 * padded(plain)


def test_a_split_with_the_same_examples_as_an_earlier_one_is_encoded_once():
    from datasets import Dataset

    from align_transfer.finetuning.finetune import same_splits

    pos_dev = {"input_ids": [[0, 5, 2], [0, 7, 2]], "labels": [[-100, 3, -100], [-100, 1, -100]]}
    data = {
        "train": Dataset.from_dict(pos_dev),
        "dev": Dataset.from_dict(pos_dev),
        "test_de": Dataset.from_dict({"input_ids": [[0, 5, 2]], "labels": [[-100, 3, -100]]}),
    }
    assert same_splits(data) == {"train": "train", "dev": "train", "test_de": "test_de"}


@needs_shared
@pytest.mark.parametrize(
    "path, form, words, tags",
    [
        ("UD_French-GSD/fr_gsd-ud-test.conllu", "du", ["de", "le"], ["ADP", "DET"]),
        ("UD_Spanish-GSD/es_gsd-ud-test.conllu", "del", ["de", "el"], ["ADP", "DET"]),
    ],
)
def test_first_subtoken_labels_on_real_multiword_tokens(stand_in, path, form, words, tags):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(stand_in)
    text = (SHARED_DATA / "ud" / path).read_text(encoding="utf-8")
    block = next(b for b in text.split("\n\n") if f"\t{form}\t_\t" in b)
    sentence = read_conllu_block(block)
    ids, labels = first_subtoken_labels(sentence["words"], sentence["upos"], tokenizer, 256)
    scored = [i for i, label in enumerate(labels) if label != -100]
    assert len(scored) == len(sentence["words"])  # every word has exactly one labelled sub-token
    assert [UPOS[labels[i]] for i in scored] == sentence["upos"]
    position = next(i for i in range(len(sentence["words"]) - 1) if sentence["words"][i : i + 2] == words)
    first_pieces = [tokenizer.convert_ids_to_tokens(ids[scored[position + k]]).lstrip("▁") for k in range(2)]
    assert [UPOS[labels[scored[position + k]]] for k in range(2)] == tags
    assert all(word.lower().startswith(piece.lower()) for word, piece in zip(words, first_pieces))


def read_conllu_block(block: str) -> dict:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".conllu", delete=False, encoding="utf-8") as handle:
        handle.write(block + "\n\n")
    return read_conllu(handle.name)[0]


@needs_shared
@pytest.mark.realdata
def test_stand_in_pos_probe_on_ewt_dev_beats_the_majority_tag(stand_in, tmp_path):
    from collections import Counter

    from datasets import load_from_disk

    ud = SHARED_DATA / "ud"
    sources = {
        "train": ud / "UD_English-EWT/en_ewt-ud-dev.conllu",
        "dev": ud / "UD_English-EWT/en_ewt-ud-test.conllu",
        "test_en": ud / "UD_English-EWT/en_ewt-ud-test.conllu",
        "test_de": ud / "UD_German-GSD/de_gsd-ud-test.conllu",
        "test_fr": ud / "UD_French-GSD/fr_gsd-ud-test.conllu",
    }
    # dev and test_en are one text: its features are extracted once
    limits = {"train": 300, "dev": 150, "test_en": 150, "test_de": 100, "test_fr": 100}
    files = {}
    for name, source in sources.items():
        files[name] = tmp_path / f"{name}.jsonl"
        write_jsonl(files[name], read_conllu(source)[: limits[name]])
    tokenize_task("pos", files, stand_in, tmp_path / "task", max_length=128)
    data = load_from_disk(str(tmp_path / "task"))
    probe = settings("pos", epochs=3, batch_size=16, linear_lr=5e-3)
    ((_, _, _, (rows, _)),) = linear_probes(stand_in, data, probe, [42], ["en", "de", "fr"], "cpu")
    scores = {row["language"]: row["accuracy"] for row in rows}
    gold = [tag for line in files["test_en"].read_text().splitlines() for tag in json.loads(line)["upos"]]
    majority = Counter(gold).most_common(1)[0][1] / len(gold)
    assert scores["en"] > majority + 0.2, (scores, majority)
    assert scores["de"] > 0.3 and scores["fr"] > 0.3


@pytest.mark.parametrize("task", ["pos", "sc"])
def test_the_bf16_path_fine_tunes_and_evaluates_like_fp32(tiny, task_data, task, bf16_on_cpu):
    """Full fine-tuning and its zero-shot evaluation under the GPU path's bf16 autocast, against fp32
    from the same seed: the training loss within 5% per epoch, accuracies within 0.05."""
    runs = [
        finetune_full(tiny / "encoder", task_data[task], settings(task, bf16=bf16), 15, ["de", "ja"], "cpu")
        for bf16 in (False, True)
    ]
    (_, log32, (rows32, _), _), (_, log16, (rows16, _), _) = runs
    assert log16 != log32  # bf16 did run
    for epoch32, epoch16 in zip(log32, log16):
        assert epoch16["train_loss"] == pytest.approx(epoch32["train_loss"], rel=0.05)
        assert abs(epoch16["dev_accuracy"] - epoch32["dev_accuracy"]) <= 0.05
    assert all(abs(a["accuracy"] - b["accuracy"]) <= 0.05 for a, b in zip(rows32, rows16))
    probes = [
        next(linear_probes(tiny / "encoder", task_data[task], settings(task, bf16=bf16), [15], ["de"], "cpu"))
        for bf16 in (False, True)
    ]
    assert abs(probes[0][3][0][0]["accuracy"] - probes[1][3][0][0]["accuracy"]) <= 0.05


FULL_JOB = """
import sys, json
from align_transfer.finetuning.finetune import FinetuneSettings, full_finetuning_job
args = json.loads(sys.argv[1])
outputs = {int(seed): paths for seed, paths in args["outputs"].items()}
full_finetuning_job(args["encoder"], args["data"], FinetuneSettings(**args["settings"]), outputs, ["de"],
                    {"encoder": "tiny", "task": "pos", "mode": "full", "model": "base"}, [42], args["work"],
                    state_every=args["state_every"], device="cpu")
"""


def full_job(tiny, out, state_every=3, epochs=3):
    """The arguments of a full fine-tuning job of two seeds (POS, the tiny world) writing under ``out``."""
    outputs = {
        seed: [str(out / f"seed{seed}"), str(out / f"seed{seed}.csv"), str(out / f"seed{seed}_items.csv")]
        for seed in (15, 42)
    }
    values = settings("pos", epochs=epochs).__dict__
    return {
        "encoder": str(tiny / "encoder"),
        "data": str(tiny / "task_pos"),
        "settings": values,
        "outputs": outputs,
        "work": str(out / "work"),
        "state_every": state_every,
    }


def run_job(arguments, kill_when=None, timeout=300):
    """Run a full fine-tuning job in a process of its own; with ``kill_when`` (a path), kill -9 it as soon as
    that path exists. Returns the exit status."""
    import json
    import subprocess
    import sys
    import time
    from pathlib import Path

    process = subprocess.Popen(
        [sys.executable, "-c", FULL_JOB, json.dumps(arguments)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    while kill_when and process.poll() is None and time.monotonic() < deadline:
        if Path(kill_when).exists():
            process.kill()  # SIGKILL: nothing is saved on the way out
            break
        time.sleep(0.01)
    process.wait(timeout=timeout)
    return process.returncode


def test_full_fine_tuning_killed_mid_seed_resumes_to_the_same_weights_and_keeps_finished_seeds(
    tiny, task_data, tmp_path
):
    from safetensors.torch import load_file

    straight = full_job(tiny, tmp_path / "straight")
    assert run_job(straight) == 0
    resumed = full_job(tiny, tmp_path / "resumed")
    # killed in seed 15, once its state is saved: no output yet, the state stays
    state = tmp_path / "resumed/work/seed15/state/trainer.pt"
    assert run_job(resumed, kill_when=state) == -9 and state.exists() and not (tmp_path / "resumed/seed15").exists()
    # killed in seed 42: seed 15 finished, its results wait in the work folder
    assert run_job(resumed, kill_when=tmp_path / "resumed/work/seed42/state/trainer.pt") == -9
    assert (tmp_path / "resumed/work/seed15/finished.json").exists() and not (
        tmp_path / "resumed/work/seed15/state"
    ).exists()
    assert run_job(resumed) == 0
    for seed in (15, 42):
        a, b = (load_file(tmp_path / run / f"seed{seed}/head.safetensors") for run in ("straight", "resumed"))
        assert all(torch.equal(a[k], b[k]) for k in a)  # bitwise, on the CPU
        for name in (f"seed{seed}.csv", f"seed{seed}_items.csv", f"seed{seed}/dev_log.csv"):
            assert (tmp_path / "straight" / name).read_text() == (tmp_path / "resumed" / name).read_text(), name
    backbone = [load_file(tmp_path / run / "seed42/model/model.safetensors") for run in ("straight", "resumed")]
    assert all(torch.equal(backbone[0][k], backbone[1][k]) for k in backbone[0])  # the kept seed's backbone too
    assert not (tmp_path / "straight/seed15/model").exists()


def test_a_finished_seed_is_not_trained_again_and_lost_outputs_come_back(tiny, task_data, tmp_path, capfd):
    import shutil

    arguments = full_job(tiny, tmp_path / "run", epochs=1)
    assert run_job(arguments) == 0
    before = (tmp_path / "run/seed15.csv").read_text()
    shutil.rmtree(tmp_path / "run/seed15")  # outputs removed after the fact (a job failed at its time limit)
    (tmp_path / "run/seed15.csv").unlink()
    assert run_job(arguments) == 0
    assert (tmp_path / "run/seed15.csv").read_text() == before and (tmp_path / "run/seed15/head.safetensors").exists()


def test_a_non_finite_task_loss_stops_fine_tuning_naming_the_step(tiny, task_data):
    from align_transfer.core.state import NonFiniteLoss

    with pytest.raises(
        NonFiniteLoss,
        match=r"pos fine-tuning \(seed 15\): the task loss is not finite at step \d+ \(backbone_lr 1e\+08",
    ):
        finetune_full(
            tiny / "encoder", task_data["pos"], settings("pos", backbone_lr=1e8, head_lr=1e8), 15, ["de"], device="cpu"
        )


# The per-item scores behind every zero-shot accuracy, against a plain loop over the items one at a time


def test_sum_per_item_matches_a_plain_loop():
    from align_transfer.finetuning.finetune import sum_per_item

    generator = torch.Generator().manual_seed(0)
    sizes = [3, 0, 1, 5, 2]
    values = torch.randint(0, 2, (sum(sizes),), generator=generator).bool()
    by_hand, start = [], 0
    for size in sizes:
        by_hand.append(sum(int(v) for v in values[start : start + size]))
        start += size
    assert sum_per_item(values, sizes).tolist() == by_hand


class TokenScorer(torch.nn.Module):
    """A model whose logits of a token depend on that token alone: padding cannot change a prediction."""

    def __init__(self, vocab: int, labels: int, sequence: bool = False):
        super().__init__()
        self.table, self.sequence = torch.nn.Embedding(vocab, labels), sequence
        torch.nn.init.normal_(self.table.weight, generator=torch.Generator().manual_seed(1))

    def forward(self, ids, mask=None):
        logits = self.table(ids)
        if self.sequence:  # a sentence's logits: the sum over its real tokens
            return (logits * mask.unsqueeze(-1)).sum(1)
        return logits


def test_item_scores_match_a_loop_over_items_on_token_and_sequence_tasks():
    from datasets import Dataset

    from align_transfer.finetuning.finetune import TaskData, item_scores

    generator = torch.Generator().manual_seed(2)
    lengths = [4, 1, 6, 3, 5]
    ids = [torch.randint(2, 30, (n,), generator=generator).tolist() for n in lengths]
    pos_labels = [
        [-100 if i % 3 == 2 else int(t) % 4 for i, t in enumerate(torch.randint(0, 8, (n,), generator=generator))]
        for n in lengths
    ]
    sc_labels = [int(torch.randint(0, 4, (1,), generator=generator)) for _ in lengths]

    pos_model = TokenScorer(30, 4)
    pos = TaskData(Dataset.from_dict({"input_ids": ids, "labels": pos_labels}), "pos", pad_id=1)
    correct, total = item_scores(pos_model, pos, batch_size=2)
    for item, (tokens, labels) in enumerate(zip(ids, pos_labels)):
        predicted = pos_model(torch.tensor([tokens]))[0].argmax(-1).tolist()
        scored = [(p, gold) for p, gold in zip(predicted, labels) if gold != -100]
        assert (int(correct[item]), int(total[item])) == (sum(p == gold for p, gold in scored), len(scored))

    sc_model = TokenScorer(30, 4, sequence=True)
    sc = TaskData(Dataset.from_dict({"input_ids": ids, "labels": sc_labels}), "sc", pad_id=1)
    correct, total = item_scores(sc_model, sc, batch_size=2)
    for item, (tokens, label) in enumerate(zip(ids, sc_labels)):
        predicted = int(sc_model(torch.tensor([tokens]), torch.ones(1, len(tokens)))[0].argmax())
        assert (int(correct[item]), int(total[item])) == (int(predicted == label), 1)


def test_item_scores_on_cached_features_match_a_loop_over_items():
    from align_transfer.finetuning.finetune import Features, item_scores

    generator = torch.Generator().manual_seed(3)
    sizes = [2, 3, 1, 4]
    states, labels = (
        torch.randn(sum(sizes), 5, generator=generator),
        torch.randint(0, 3, (sum(sizes),), generator=generator),
    )
    offsets = [0, *torch.tensor(sizes).cumsum(0).tolist()]
    head = torch.nn.Linear(5, 3)
    correct, total = item_scores(head, Features(states, labels, offsets), batch_size=3)
    for item in range(len(sizes)):
        span = slice(offsets[item], offsets[item + 1])
        hits = sum(int(head(state).argmax()) == int(gold) for state, gold in zip(states[span], labels[span]))
        assert (int(correct[item]), int(total[item])) == (hits, sizes[item])


@pytest.mark.parametrize("architecture", ["xlm-roberta", "bert"])
@pytest.mark.parametrize("task", ["pos", "sc"])
def test_a_kept_fine_tuned_model_loads_with_its_auto_class_and_gives_the_same_logits(
    tiny, tiny_bert, tmp_path, architecture, task
):
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

    from align_transfer.core.modeling import load_model
    from align_transfer.core.tasks import TASKS
    from align_transfer.finetuning.finetune import FullModel, save_run

    encoder = tiny / "encoder" if architecture == "xlm-roberta" else tiny_bert
    torch.manual_seed(3)
    model = FullModel(load_model(encoder), settings(task)).eval()
    torch.nn.init.normal_(model.head.weight, std=0.5)  # a head far from its initialisation
    save_run(tmp_path / "run", model.head, [], model, tokenizer_dir=encoder)

    auto = AutoModelForTokenClassification if task == "pos" else AutoModelForSequenceClassification
    loaded = auto.from_pretrained(tmp_path / "run/model").eval()
    assert loaded.config.id2label == dict(enumerate(TASKS[task].labels))
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "run/model")
    batch = tokenizer(["ka mi lo", "sabo ne ti ra mo ku pe"], padding=True, return_tensors="pt")
    with torch.no_grad():
        ours = model(batch["input_ids"], batch["attention_mask"])
        theirs = loaded(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    mask = batch["attention_mask"].bool()
    if task == "pos":  # padded positions are never scored
        ours, theirs = ours[mask], theirs[mask]
    assert ours.abs().max() > 0.5
    torch.testing.assert_close(theirs, ours, rtol=1e-4, atol=1e-5)
    backbone = load_model(tmp_path / "run/model")  # the analyses read the same folder as a backbone
    assert all(torch.equal(value, model.backbone.state_dict()[key]) for key, value in backbone.state_dict().items())
