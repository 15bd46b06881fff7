"""The compute plan of a config: every job of its dry run priced with the config's cost model.

    python tools/compute_plan.py                                # the paper's grid
    python tools/compute_plan.py --configfile config/mini.yaml  # the mini world

Prints, per rule that costs something, the jobs, the PFLOPs they perform and the hours those take on a V100,
an A100 and an H100 at the stated utilisation (`compute.flops`: a lower bound), the hours measured on the
cost model's device (`compute.device`: GPU rules, and the other rules' core-hours), the peak memory a job
requests and the disk its outputs keep, and the totals, with what each column is; writes every rule to
results/plan/compute.tsv (under demo/ for the mini world) and says where.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from align_transfer.core import layout
from align_transfer.core.config import ConfigError, load_config, workdir_of
from align_transfer.core.io import atomic_open
from align_transfer.ops.flops import EncoderShape
from align_transfer.ops.plan import compute_plan, format_plan, model_sizes, parse_dry_run, plan_markdown
from align_transfer.ops.storage import encoder_architecture, parameter_counts

REPO = Path(__file__).resolve().parents[1]
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--configfile", nargs="*", default=[], help="overlays on config/config.yaml")
parser.add_argument("--out", help="default: results/plan/compute.tsv in the config's working directory")
parser.add_argument(
    "--markdown", action="store_true", help="print the table as the docs show it (per encoder where there are several)"
)
args = parser.parse_args()

try:
    config = load_config(
        [REPO / "config/config.yaml", *args.configfile], schema=REPO / "workflow/schemas/config.schema.yaml"
    )
except ConfigError as error:  # the file, the key and what is wrong; no traceback
    sys.exit(str(error))
snakemake = Path(sys.executable).parent / "snakemake"
command = [str(snakemake), "-s", str(REPO / "workflow/Snakefile"), "-n", "--forceall"]
if args.configfile:
    command += ["--configfile", *map(str, map(Path.absolute, map(Path, args.configfile)))]
with tempfile.TemporaryDirectory() as workdir:  # a fresh directory: the whole grid, whatever exists here
    result = subprocess.run(command + ["-d", workdir], capture_output=True, text=True)
if result.returncode:
    sys.exit(f"the dry run failed:\n{result.stderr[-3000:]}")
jobs = parse_dry_run(result.stdout)
encoders = {}
for index, entry in enumerate(config["encoders"]):
    # the architecture where it is known: a downloaded or local folder's config.json, the mini settings, the shape
    try:
        architecture, tokenizer_bytes = encoder_architecture(
            entry, workdir=workdir_of(config, REPO), key=f"encoders[{index}] ({entry['name']})"
        )
    except ConfigError as error:
        sys.exit(str(error))
    sizes = model_sizes(config, entry, parameter_counts(architecture), architecture.hidden_size, tokenizer_bytes)
    encoders[entry["name"]] = {"entry": entry, "shape": EncoderShape.of(architecture), "sizes": sizes}
plan = compute_plan(jobs, config, encoders)
out_path = Path(args.out or workdir_of(config, REPO) / layout.COMPUTE_PLAN).absolute()
with atomic_open(out_path, newline="") as out:
    plan.to_csv(out, sep="\t", index=False, float_format="%.12g")
if args.markdown:
    print(plan_markdown(plan, config, by_encoder=len(encoders) > 1))
else:
    print(format_plan(plan, config, tsv=out_path))
