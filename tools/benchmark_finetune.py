"""Benchmark full fine-tuning with length-grouped batches against random batches, in one run.

    python tools/benchmark_finetune.py --encoder demo/results/MiniXLM-R/models/base --data demo/results/MiniXLM-R/data/tasks/pos \
        --configfile config/mini.yaml                       # the mini world, its config's hyperparameters

Each seed trains a full fine-tuning job both ways (same seed, same data) and evaluates it zero-shot on
every test split of the data. Prints seconds, padded tokens per epoch and accuracies per seed, their
means, the ratio (random / grouped seconds) and the accuracy difference against the spread over seeds.
"""

import argparse
import statistics

import transformers  # noqa: F401  (loaded, so that quiet_libraries quiets it)
from datasets import load_from_disk

from align_transfer.core.config import load_config
from align_transfer.core.modeling import device_of
from align_transfer.core.settings import FinetuneSettings
from align_transfer.core.tasks import TASKS
from align_transfer.ops.benchmark import run_finetune_benchmark
from align_transfer.ops.runner import quiet_libraries

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--encoder", required=True, help="an encoder folder (save_pretrained)")
parser.add_argument("--data", required=True, help="a tokenized task dataset (results/<encoder>/data/tasks/<task>)")
parser.add_argument("--task", default="pos", choices=list(TASKS))
parser.add_argument("--configfile", nargs="*", default=[], help="overlays on config/config.yaml (hyperparameters)")
parser.add_argument("--seeds", type=int, nargs="+", default=[15, 33, 42])
parser.add_argument("--epochs", type=int, help="instead of the config's")
parser.add_argument("--device", default=device_of().type)
args = parser.parse_args()
quiet_libraries()

config = load_config(["config/config.yaml", *args.configfile], schema="workflow/schemas/config.schema.yaml")
settings = FinetuneSettings.from_config(config["finetune"], args.task)
settings.epochs = args.epochs or settings.epochs
data = load_from_disk(args.data)
languages = [name.removeprefix("test_") for name in data if name.startswith("test_")]
results = run_finetune_benchmark(args.encoder, data, settings, args.seeds, languages, args.device)
print(
    f"{args.task}: {len(data['train'])} training examples, {settings.epochs} epochs, batch {settings.batch_size}, "
    f"seeds {args.seeds}, zero-shot on {', '.join(languages)}, device {args.device}"
)
print(f"{'batches':8} {'seed':>5} {'seconds':>8} {'padded tokens':>14} {'dev acc':>8} {'zero-shot':>9}")
for name, runs in results.items():
    for seed, run in zip(args.seeds, runs):
        print(
            f"{name:8} {seed:5d} {run['seconds']:8.1f} {run['padded_tokens']:14d} {run['dev_accuracy']:8.4f} {run['zero_shot']:9.4f}"
        )
mean = {name: {k: statistics.mean(run[k] for run in runs) for k in runs[0]} for name, runs in results.items()}
spread = {
    name: statistics.stdev(run["zero_shot"] for run in runs) if len(runs) > 1 else float("nan")
    for name, runs in results.items()
}
print(
    f"ratio (random / grouped seconds): {mean['random']['seconds'] / mean['grouped']['seconds']:.2f}x; "
    f"padded tokens {mean['random']['padded_tokens'] / mean['grouped']['padded_tokens']:.2f}x"
)
print(
    f"zero-shot accuracy: random {mean['random']['zero_shot']:.4f} (sd {spread['random']:.4f} over seeds), "
    f"grouped {mean['grouped']['zero_shot']:.4f} (sd {spread['grouped']:.4f}); "
    f"difference {mean['grouped']['zero_shot'] - mean['random']['zero_shot']:+.4f}"
)
print(
    f"English dev accuracy: random {mean['random']['dev_accuracy']:.4f}, grouped {mean['grouped']['dev_accuracy']:.4f}"
)
