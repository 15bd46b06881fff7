"""Measure the cost model's per-unit seconds on this machine, for a config's encoder size.

    python tools/measure_costs.py                               # the paper: XLM-R base shapes (compute.encoder)
    python tools/measure_costs.py --configfile config/mini.yaml # the mini encoder
    python tools/measure_costs.py --device cuda --bf16          # on a GPU node
    python tools/measure_costs.py --tokens ../shared/data --tokenizer <XLM-R or the stand-in>

Prints the `compute.seconds` entries to paste into the config, with the device they were measured on;
with --tokens, the `compute.tokens` entries (mean tokens per example) measured on a data folder instead.
"""

import argparse
import platform
import time

import torch
import yaml

from align_transfer.core.config import encoder_entry, load_config
from align_transfer.core.modeling import device_of
from align_transfer.ops.costs import measure_costs
from align_transfer.ops.plan import reference_encoder
from align_transfer.ops.storage import encoder_architecture

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--configfile", nargs="*", default=[], help="overlays on config/config.yaml")
parser.add_argument("--device", default=device_of().type)
parser.add_argument("--bf16", action="store_true")
parser.add_argument("--repeats", type=int, default=2)
parser.add_argument(
    "--tokenizer", help="a tokenizer folder to time tokenize_example with (default: the encoder's, once built)"
)
parser.add_argument("--tokens", metavar="DATA", help="measure mean tokens per example on DATA (needs --tokenizer)")
args = parser.parse_args()
if args.tokens:
    from align_transfer.ops.costs import mean_tokens

    print(f"# mean tokens per example without specials, {args.tokenizer} on {args.tokens}")
    print(yaml.safe_dump({"tokens": {k: round(v, 1) for k, v in mean_tokens(args.tokens, args.tokenizer).items()}}))
    raise SystemExit

config = load_config(["config/config.yaml", *args.configfile], schema="workflow/schemas/config.schema.yaml")
_, encoder = encoder_entry(config, reference_encoder(config))
architecture, _ = encoder_architecture(encoder)
alignment = config["alignment"] | {"sentence_layer": encoder["sentence_layer"]}
costs = measure_costs(architecture, alignment, device=args.device, bf16=args.bf16, repeats=args.repeats)
if args.tokenizer:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    text = ["The committee adopted the report on the budget for the next financial year."] * 2000
    start = time.perf_counter()
    tokenizer(text, add_special_tokens=False)
    tokenizer(text, add_special_tokens=False)
    costs["tokenize_example"] = (time.perf_counter() - start) / len(text)
device = (
    args.device
    if args.device != "cpu"
    else f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
)
print(
    f"# measured on {device}, {'bf16' if args.bf16 else 'fp32'}, {architecture.num_hidden_layers} layers x {architecture.hidden_size}, "
    f"batch 16, {costs.pop('tokens_per_example')} tokens per example; peak RSS {costs.pop('peak_rss_mb'):.0f} MB"
)
print(
    yaml.safe_dump(
        {
            "seconds": {
                k: (round(v, 6) if isinstance(v, float) else {t: round(s, 4) for t, s in v.items()})
                for k, v in costs.items()
            }
        },
        sort_keys=False,
    )
)
