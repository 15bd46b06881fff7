"""The compute plan: every job of a dry run, priced with the config's cost model (``compute``).

Pure Python and pandas: it reads the jobs that ``snakemake -n --forceall`` lists (rule, wildcards,
resources) and charges each job the seconds its units take on the cost model's device.
"""

from __future__ import annotations

import re

import pandas as pd

from align_transfer.core.objectives import active_terms
from align_transfer.ops.flops import gpu_hours, job_flops
from align_transfer.ops.work import UNIT_SECONDS, Units, job_work


def parse_dry_run(output: str) -> list[dict]:
    """Every job a dry run lists: its rule, resources (dict), wildcards (dict) and outputs."""
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", output, flags=re.M)[1:]:
        job = {"rule": re.match(r"(?:local)?rule (\w+):", block)[1], "local": block.startswith("localrule")}
        for key in ("resources", "wildcards", "output"):
            found = re.search(rf"^    {key}: (.*)$", block, re.M)
            job[key] = found[1].split(", ") if found else []
        job["wildcards"] = dict(w.split("=", 1) for w in job["wildcards"])
        job["resources"] = dict(r.split("=", 1) for r in job["resources"] if "=" in r)
        threads = re.search(r"^    threads: (\d+)$", block, re.M)
        job["threads"] = int(threads[1]) if threads else 1
        jobs.append(job)
    return jobs


def job_seconds(job: dict, config: dict, encoder: dict | None = None) -> float:
    """Seconds one job takes on the cost model's device: its work (``ops.work``) unit by unit, at the seconds
    ``compute.seconds`` measured for each kind (an alignment step: its active terms', plus the optimizer's)."""
    seconds = config["compute"]["seconds"]

    def priced(units: Units) -> float:
        if units.kind in ("align_step", "alignment_gradient"):
            terms = sum(seconds["align_step"][term.name] for term in active_terms(units.losses))
            update = seconds["align_step"]["optimizer"] if units.kind == "align_step" else 0.0
            return units.count * (terms + update)
        return units.count * seconds[UNIT_SECONDS[units.kind]]

    return sum(priced(units) for units in job_work(job, config, encoder or {}).units)


def model_sizes(
    config: dict, encoder: dict, params: dict[str, int], hidden_size: int, tokenizer_bytes: int
) -> dict[str, float]:
    """Bytes of what an encoder's jobs keep (fp32 safetensors): a checkpoint (bare where it has no MLM
    head), a fine-tuned backbone, a head, one embeddings file at its layers."""
    items = config["compute"]["items"]
    layers = len(set(encoder["layers"]) | {encoder["retrieval_layer"]})
    return {
        "checkpoint": params["masked_lm" if encoder["mlm_head"] else "backbone"] * 4 + tokenizer_bytes,
        "backbone": params["backbone"] * 4 + tokenizer_bytes,
        "head": 18 * (hidden_size + 1) * 4,
        "embeddings": (items["flores_languages"] * items["flores"] + items["words"]) * layers * hidden_size * 4,
    }


def job_bytes(job: dict, config: dict, sizes: dict[str, float], encoder: dict | None = None) -> float:
    """Bytes one job's outputs keep: the model files of its work (``ops.work``) at ``sizes`` (``model_sizes``)."""
    return sum(count * sizes[kind] for kind, count in job_work(job, config, encoder or {}).kept.items())


def reference_encoder(config: dict) -> str:
    """The encoder whose shapes ``compute.seconds`` were measured with: ``compute.encoder``, or the first."""
    return config["compute"].get("encoder") or config["encoders"][0]["name"]


def compute_plan(jobs: list[dict], config: dict, encoders: dict[str, dict]) -> pd.DataFrame:
    """Per rule: jobs, PFLOPs and the hours they take on each GPU of ``compute.flops`` at its stated
    utilisation (a lower bound); hours measured on the cost model's device (``compute.device``) of the GPU
    rules' jobs (gpu=1) and core-hours of the others, the memory a job requests (its peak, GB), and the disk its outputs keep (GB); then,
    with more than one encoder, each encoder's total; then the total.

    ``encoders`` maps each encoder's name to its ``entry`` (of the config's ``encoders``), ``shape``
    (EncoderShape) and ``sizes`` (model_sizes). A job is priced on the encoder its wildcards name. The
    measured seconds are the reference encoder's (``reference_encoder``): another encoder's job takes them
    times its FLOPs over the reference's for the same job."""
    flops_config, reference = config["compute"]["flops"], encoders[reference_encoder(config)]
    columns = {"jobs": 0, "pflops": 0.0} | {floor_column(gpu): 0.0 for gpu in flops_config["peak_tflops"]}
    columns |= {MEASURED_GPU: 0.0, MEASURED_CORES: 0.0, "peak_mem_gb": 0.0, "disk_gb": 0.0}
    rows, totals = {}, {}
    # a dry run lists its jobs in no fixed order: summed in one order, the plan's sums are the same in every run
    for job in sorted(jobs, key=lambda job: (job["rule"], sorted(job["wildcards"].items()))):
        if job["rule"] == "all":
            continue
        name = job["wildcards"].get("encoder")
        encoder = encoders.get(name, reference)  # a data job runs no encoder: it counts no FLOPs either way
        flops = job_flops(job, config, encoder["shape"], encoder["entry"])
        seconds = job_seconds(job, config, encoder["entry"])
        if encoder is not reference and flops:
            seconds *= flops / job_flops(job, config, reference["shape"], reference["entry"])
        for row in (
            rows.setdefault(job["rule"], {"rule": job["rule"]} | columns),
            *([totals.setdefault(name, {"rule": f"total {name}"} | columns)] if name else []),
        ):
            row["jobs"] += 1
            row["pflops"] += flops / 1e15
            for gpu, peak in flops_config["peak_tflops"].items():
                row[floor_column(gpu)] += gpu_hours(flops, peak, flops_config["utilisation"])
            if job["resources"].get("gpu", "0") != "0":
                row[MEASURED_GPU] += seconds / 3600
            else:
                row[MEASURED_CORES] += seconds / 3600 * job["threads"]
            row["peak_mem_gb"] = max(row["peak_mem_gb"], int(job["resources"].get("mem_mb", 0)) / 1000)
            row["disk_gb"] += job_bytes(job, config, encoder["sizes"], encoder["entry"]) / 1e9
    frame = pd.DataFrame(list(rows.values()))
    total = {column: frame[column].sum() for column in frame.columns if column != "rule"}
    total |= {"rule": "total", "peak_mem_gb": frame["peak_mem_gb"].max()}
    per_encoder = [totals[name] for name in encoders if name in totals] if len(totals) > 1 else []
    return pd.concat([frame, pd.DataFrame(per_encoder + [total])], ignore_index=True)


#: The plan's columns as the TSV names them, and what each is (printed under the table).
MEASURED_GPU, MEASURED_CORES = "gpu_rule_hours_measured", "other_core_hours_measured"


def floor_column(gpu: str) -> str:
    return f"{gpu}_hours_lower_bound"


def costs_nothing(row: dict) -> bool:
    """A rule whose jobs perform no counted FLOPs, take no GPU time, under 0.005 core-hours and no disk."""
    return not row["pflops"] and not row[MEASURED_GPU] and row[MEASURED_CORES] < 0.005 and not row["disk_gb"]


def format_plan(plan: pd.DataFrame, config: dict, tsv=None) -> str:
    """The plan as a table that says what each column is: the FLOP columns a lower bound at the stated
    utilisation, the measured ones on the cost model's device; rules that cost nothing folded into one line."""
    compute = config["compute"]
    gpus, utilisation = list(compute["flops"]["peak_tflops"]), compute["flops"]["utilisation"]
    header = f"{'rule':24} {'jobs':>6} {'PFLOPs':>9} " + " ".join(f"{gpu + ' h ≥':>9}" for gpu in gpus)
    header += f" {'GPU rules h†':>12} {'others core-h†':>14} {'peak GB':>8} {'disk GB':>9}"
    lines = [
        f"compute plan of {len(config['encoders'])} encoder(s): {', '.join(e['name'] for e in config['encoders'])}"
    ]
    lines += [header]
    free = [row for row in plan.to_dict("records") if not row["rule"].startswith("total") and costs_nothing(row)]
    folded = False
    for row in plan.to_dict("records"):
        if row in free:
            continue
        if row["rule"].startswith("total") and free and not folded:
            jobs = sum(r["jobs"] for r in free)
            lines.append(
                f"{f'{len(free)} rules ~ free':24} {jobs:6d}   downloads, preparation, tables, claims (in the TSV)"
            )
            folded = True
        lines.append(
            f"{row['rule']:24} {row['jobs']:6d} {row['pflops']:9.3g} "
            + " ".join(f"{row[floor_column(gpu)]:9.3g}" for gpu in gpus)
            + f" {row[MEASURED_GPU]:12.2f} {row[MEASURED_CORES]:14.2f} {row['peak_mem_gb']:8.1f} {row['disk_gb']:9.2f}"
        )
    measured_on, rules = compute["device"], plan.set_index("rule")
    alignment = (
        f" The paper reports about 275 V100-hours for its 28 alignment runs (Appendix B.2); this plan's "
        f"{rules.loc['align', 'jobs']} alignment jobs count {rules.loc['align', floor_column(gpus[0])]:.3g} {gpus[0]}-hours."
        if "align" in rules.index
        else ""
    )
    lines += [
        f"≥  FLOPs / (the GPU's dense peak x {utilisation:.0%} utilisation; bf16, V100 fp16): a lower bound, not a "
        "forecast: batches of 16 short texts keep a GPU far below that." + alignment,
        f"†  hours measured on {measured_on} (compute.seconds): the GPU rules' jobs (gpu=1) on that device, and "
        "the core-hours of the other rules."
        + (" On a CPU these are not GPU-hours." if "cpu" in measured_on.lower() else ""),
        "Calibrate on a GPU node: `python tools/measure_costs.py --device cuda --bf16` prints compute.seconds for "
        "that GPU; paste them into the config, and the † columns are its GPU-hours; the utilisation it reaches "
        f"is {utilisation:.0%} x (≥ hours / † hours).",
    ]
    if len(config["encoders"]) > 1:
        lines.append(
            f"The measured seconds are {reference_encoder(config)}'s; the other encoders' jobs are scaled by their FLOPs."
        )
    if tsv:
        lines.append(f"Every rule, unrounded: {tsv}")
    return "\n".join(lines)


def plan_markdown(plan: pd.DataFrame, config: dict, by_encoder: bool = False) -> str:
    """The plan as docs/performance.md (a row per rule that costs something, the free ones in one line) or,
    ``by_encoder``, as docs/science.md (a row per encoder) shows it: `python -m align_transfer.report.docs plan`
    writes both there, and tests/test_plan.py checks that they are the plan's."""
    from align_transfer.tables.document import Table, markdown

    gpus = list(config["compute"]["flops"]["peak_tflops"])
    costs = ["PFLOPs", *(f"{gpu} h ≥" for gpu in gpus), "GPU rules h†"]

    def numbers(row: dict, bold: bool = False) -> list[str]:
        cells = [f"{row['jobs']:,}", f"{row['pflops']:,.1f}", *(f"{row[floor_column(gpu)]:.2f}" for gpu in gpus)]
        cells.append(f"{row[MEASURED_GPU]:,.0f}" if by_encoder else f"{row[MEASURED_GPU]:,.1f}")
        return [f"**{cell}**" for cell in cells] if bold else cells

    rows = plan.to_dict("records")
    if by_encoder:
        table = Table(["encoder", "jobs", *costs, "disk GB"])
        for row in rows:
            if row["rule"].startswith("total "):
                table.rows.append([row["rule"].removeprefix("total "), *numbers(row), f"{row['disk_gb']:,.1f}"])
        total = rows[-1]
        table.rows.append(
            ["**total** (and the shared data jobs)", *numbers(total, bold=True), f"**{total['disk_gb']:,.1f}**"]
        )
        return markdown([table]).strip("\n")
    table = Table(["rule", "jobs", *costs, "peak GB requested", "disk GB"])
    free = [row for row in rows if not row["rule"].startswith("total") and costs_nothing(row)]
    for row in rows:
        if row in free or row["rule"].startswith("total"):
            continue
        table.rows.append([row["rule"], *numbers(row), f"{row['peak_mem_gb']:.0f}", f"{row['disk_gb']:,.1f}"])
    if free:
        cores = sum(row[MEASURED_CORES] for row in free)
        table.rows.append(
            [
                f"{len(free)} rules ~ free (downloads, preparation, tables, the claims layer, the study's copies)",
                f"{sum(row['jobs'] for row in free):,}",
                *(["0"] * (len(costs) - 1)),
                f"0 ({cores:.2f} core-h)",
                f"{max(row['peak_mem_gb'] for row in free):.0f}",
                "0",
            ]
        )
    total = rows[-1]
    table.rows.append(
        ["**total**", *numbers(total, bold=True), f"{total['peak_mem_gb']:.0f}", f"**{total['disk_gb']:,.1f}**"]
    )
    return markdown([table]).strip("\n")
