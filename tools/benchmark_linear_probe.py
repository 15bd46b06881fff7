"""Benchmark linear-only fine-tuning: features cached once against the frozen backbone run every epoch.

    python tools/benchmark_linear_probe.py                  # after `make demo`: the mini encoder, POS
    python tools/benchmark_linear_probe.py --task sc --epochs 3 --seeds 15

Both sides train the same heads (same seeds, epochs and batches) in one run; prints both times and the ratio.
"""

import argparse
import logging
from pathlib import Path

import yaml
from datasets import load_from_disk

from align_transfer.core.tasks import TASKS
from align_transfer.finetuning.finetune import FinetuneSettings
from align_transfer.ops.benchmark import run_linear_probe_benchmark

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument(
    "--encoder", default="demo/results/MiniXLM-R/models/base", help="an encoder folder (save_pretrained)"
)
parser.add_argument("--task", choices=list(TASKS), default="pos")
parser.add_argument("--data", help="tokenized task data (default: the encoder's, ../../data/tasks/TASK beside it)")
parser.add_argument("--config", default="config/config.yaml", help="the hyper-parameters of Tables 5 and 6")
parser.add_argument("--epochs", type=int, help="default: the config's (15)")
parser.add_argument("--seeds", type=int, nargs="+", help="default: the config's (15 33 42)")
args = parser.parse_args()
logging.basicConfig(level=logging.WARNING)

finetune = yaml.safe_load(open(args.config))["finetune"]
settings = FinetuneSettings.from_config(finetune, args.task)
settings.epochs = args.epochs or settings.epochs
seeds = args.seeds or finetune["seeds"]
data = load_from_disk(args.data or Path(args.encoder).parents[1] / "data/tasks" / args.task)
result = run_linear_probe_benchmark(args.encoder, data, settings, seeds)
print(f"linear-only {args.task}, {len(seeds)} seeds x {settings.epochs} epochs, encoder {args.encoder}")
print(f"features cached once:      {result['cached_seconds']:8.2f} s")
print(f"backbone run every epoch:  {result['uncached_seconds']:8.2f} s")
print(f"ratio (uncached / cached): {result['ratio']:.1f}x")
