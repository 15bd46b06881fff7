"""Benchmark alignment steps (S1W1M1) against the naive way, in one run.

    python tools/benchmark_alignment.py --tokenizer <XLM-R or the stand-in> \
        --corpus ../shared/data/flores200_dataset/devtest/{deu_Latn,eng_Latn}.devtest   # XLM-R base, CPU
    python tools/benchmark_alignment.py ... --device cuda --bf16
    python tools/benchmark_alignment.py --tiny         # small shapes and random ids, seconds

XLM-R base shapes with random weights (the time of a step depends on the shapes, not the values), on
the token ids of a real parallel corpus: an OPUS Moses zip (with --pair) or two line-aligned text
files, tokenized as the workflow does; without --corpus, random ids of 10 to 60 tokens.
Prints steps/s and tokens/s of both, and the ratio (optimized / naive steps per second).
"""

import argparse
from pathlib import Path

import torch

from align_transfer.core.modeling import device_of
from align_transfer.data.parallel import read_moses_zip
from align_transfer.ops.benchmark import corpus_pairs, run_benchmark

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--steps", type=int, default=3, help="timed steps per implementation (after one warm-up)")
parser.add_argument("--batch-size", type=int, default=16, help="parallel pairs per step (Table 4: 16)")
parser.add_argument("--device", default=device_of().type)
parser.add_argument("--bf16", action="store_true", help="bf16 autocast (CUDA)")
parser.add_argument("--tiny", action="store_true", help="small shapes instead of XLM-R base")
parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
parser.add_argument("--corpus", nargs="+", metavar="PATH", help="a Moses zip, or two line-aligned text files")
parser.add_argument("--pair", help="the Moses zip's pair (src-tgt)")
parser.add_argument("--tokenizer", help="tokenizer folder for --corpus (XLM-R's vocabulary)")
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
shapes = dict(hidden_size=64, layers=2, heads=2, intermediate_size=128, vocab_size=8000) if args.tiny else {}
pairs, source = None, "random ids of 10 to 60 tokens"
if args.corpus:
    if len(args.corpus) == 1:
        src, tgt = read_moses_zip(args.corpus[0], args.pair)
    else:
        src, tgt = (Path(path).read_text(encoding="utf-8").splitlines() for path in args.corpus)
    pairs = corpus_pairs(src, tgt, args.tokenizer, 128, args.batch_size * (args.steps + 1))
    shapes.pop("vocab_size", None)  # the corpus's ids are XLM-R's
    lengths = [len(side) for pair in pairs for side in pair]
    source = f"{' + '.join(args.corpus)}: {sum(lengths) / len(lengths):.1f} tokens per sentence (max {max(lengths)})"
result = run_benchmark(
    steps=args.steps, batch_size=args.batch_size, device=args.device, bf16=args.bf16, pairs=pairs, **shapes
)
shape = "tiny" if args.tiny else "XLM-R base"
print(f"shapes: {shape}, device {args.device}, bf16 {args.bf16}, batch {args.batch_size}, S1W1M1")
print(f"batches: {source}")
print(f"{'':10} {'steps/s':>10} {'tokens/s':>12}")
for name in ("naive", "optimized"):
    print(f"{name:10} {result[f'{name}_steps_per_s']:10.3f} {result[f'{name}_tokens_per_s']:12.1f}")
print(f"ratio (optimized / naive steps per second): {result['ratio']:.2f}x")
