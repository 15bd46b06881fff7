import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")


def snakemake(workdir, *args, overlays=(), check=True):
    """Run the workflow in ``workdir`` with the mini/paper config plus ``overlays`` (paths or dicts)."""
    configfiles = []
    for number, overlay in enumerate(overlays):
        if isinstance(overlay, dict):
            path = Path(workdir) / f"overlay{number}.yaml"
            path.write_text(yaml.safe_dump(overlay))
            overlay = path
        configfiles.append(str(overlay))
    command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-d", str(workdir), *args]
    if configfiles:
        command += ["--configfile", *configfiles]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}")
    return result


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count}."""
    table = output.split("Job stats:")[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}
