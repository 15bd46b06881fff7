"""The workflow as another project's module, deployed the catalog's way (snakedeploy) into a temporary
directory: its Snakefile names this workflow as a `module` and uses every rule; its config is a copy of ours."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SNAKEMAKE, job_counts
from test_workflow import MINI_JOBS


def source_repository(folder):
    """This checkout's files as git sees them (committed or not, never the ignored ones) in a repository of
    their own, whose branch main a module can name, as it names a tag on GitHub."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, folder / name)
    git = ["git", "-C", str(folder), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], check=True)
    return folder


#: Where the test's module "is" on GitHub: git reads it from a local repository instead (url.insteadOf).
GITHUB = "https://github.com/align-transfer/align-transfer"


def test_a_deployed_module_plans_the_whole_mini_grid_and_runs_its_jobs_from_the_git_source(tmp_path):
    source = source_repository(tmp_path / "source")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "file://{source}"]\n\tinsteadOf = {GITHUB}\n')
    # git (snakedeploy's clone, snakemake's source cache) reads GitHub from the local repository; snakemake
    # caches its clone under XDG_CACHE_HOME
    env = os.environ | {"GIT_CONFIG_GLOBAL": str(gitconfig), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)
    project = tmp_path / "project"
    snakedeploy = Path(sys.executable).parent / "snakedeploy"
    deploy = [str(snakedeploy), "deploy-workflow", GITHUB, str(project), "--branch", "main"]
    deployed = subprocess.run(deploy, capture_output=True, text=True, env=env)
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    text = (project / "workflow/Snakefile").read_text()
    assert 'github("align-transfer/align-transfer", path="workflow/Snakefile", branch="main")' in text
    assert "use rule * from align_transfer" in text and (project / "config/mini.yaml").is_file()
    shutil.rmtree(source / "src")  # the library comes from the installed package, as for any GitHub module

    def run(*args):
        command = [str(SNAKEMAKE), "--cores", "2", *args, "--configfile", "config/mini.yaml"]  # targets first
        return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=900, env=env)

    planned = run("-n", "--quiet", "rules")
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    assert job_counts(planned.stdout) == {rule: n for rule, n in MINI_JOBS.items() if n}

    # a few real jobs: scripts fetched from the git source, the mini world's data, the tables from the config
    targets = ["results/data/flores/devtest/deu_Latn.txt", "results/MiniXLM-R/tables/table4.csv"]
    ran = run(*targets)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert all((project / "demo" / target).stat().st_size > 0 for target in targets)  # mini.yaml: workdir demo


def documented_block(route: str) -> str:
    """The bash block of a route in config/README.md, "As a module" (``route``: the bold words before it)."""
    text = (REPO / "config/README.md").read_text(encoding="utf-8")
    return text.split(f"**{route}**", 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]


def test_the_offline_route_from_a_clone_runs_as_written(tmp_path):
    """config/README.md's commands, with this checkout as the clone: the project plans the whole mini grid."""
    block = documented_block("From a clone, offline.").replace("/path/to/align-transfer", str(REPO))
    env = os.environ | {"PATH": f"{SNAKEMAKE.parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.replace("snakemake -n", "snakemake -n --quiet rules")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert job_counts(result.stdout) == {rule: n for rule, n in MINI_JOBS.items() if n}
    assert (tmp_path / "my-study/config/mini.yaml").is_file() and (tmp_path / "my-study/demo/.snakemake").is_dir()


def test_the_github_route_is_documented_as_the_test_runs_it():
    block = documented_block("From GitHub.")
    assert "snakedeploy deploy-workflow https://github.com/<owner>/<repository> my-study --branch main" in block
    assert "@main" in block and "--tag <tag>" not in (REPO / "config/README.md").read_text(encoding="utf-8")
