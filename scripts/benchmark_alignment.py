"""Benchmark alignment steps (S1W1M1) against the naive way, in one run.

    python scripts/benchmark_alignment.py                # XLM-R base shapes, random weights, CPU
    python scripts/benchmark_alignment.py --device cuda --bf16
    python scripts/benchmark_alignment.py --tiny         # small shapes, seconds

Prints steps/s and tokens/s of both, and the ratio (optimized / naive steps per second).
"""

import argparse

import torch

from align_transfer.benchmark import run_benchmark

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--steps", type=int, default=3, help="timed steps per implementation (after one warm-up)")
parser.add_argument("--batch-size", type=int, default=16, help="parallel pairs per step (Table 4: 16)")
parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
parser.add_argument("--bf16", action="store_true", help="bf16 autocast (CUDA)")
parser.add_argument("--tiny", action="store_true", help="small shapes instead of XLM-R base")
parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
shapes = dict(hidden_size=64, layers=2, heads=2, intermediate_size=128, vocab_size=8000) if args.tiny else {}
result = run_benchmark(steps=args.steps, batch_size=args.batch_size, device=args.device, bf16=args.bf16, **shapes)
shape = "tiny" if args.tiny else "XLM-R base"
print(f"shapes: {shape}, device {args.device}, bf16 {args.bf16}, batch {args.batch_size}, S1W1M1")
print(f"{'':10} {'steps/s':>10} {'tokens/s':>12}")
for name in ("naive", "optimized"):
    print(f"{name:10} {result[f'{name}_steps_per_s']:10.3f} {result[f'{name}_tokens_per_s']:12.1f}")
print(f"ratio (optimized / naive steps per second): {result['ratio']:.2f}x")
