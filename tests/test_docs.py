"""The documentation holds together: every section that code, config, tests or docs cite exists, the design
is the repository's own, and the config's key reference is in step with the schema and the configs."""

import re
import subprocess

from conftest import REPO

#: A citation of a section: a document, then the section's title in quotes ("docs/running.md, 'Resume'").
CITATION = re.compile(
    r"`?(README(?:\.md)?|docs/[\w-]+\.md|config/README\.md)`?,?[\s#]+(?:section\s+)?[\"']([^\"'\n]+)[\"']"
)
DESIGN_SECTION = re.compile(r"docs/design\.md §(\d+)")
DOCUMENT = re.compile(r"\b(docs/[\w-]+\.(?:md|png)|config/README\.md)\b")


def tracked_text_files():
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True)
    for name in names.stdout.split():
        path = REPO / name
        if path.suffix not in {".png", ".csv", ".lock"} and path.is_file():
            yield name, path.read_text(encoding="utf-8", errors="replace")


def headings(document: str) -> set[str]:
    path = REPO / ("README.md" if document == "README" else document)
    titles = {
        line.lstrip("#").strip() for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    }
    return titles | {re.sub(r"^\d+\.\s+", "", title) for title in titles}


def test_every_cited_section_and_document_exists():
    problems, citations = [], 0
    for name, text in tracked_text_files():
        for document in DOCUMENT.findall(text):
            if not (REPO / document).is_file():
                problems.append(f"{name}: {document} does not exist")
        for document, title in CITATION.findall(text):
            citations += 1
            if title not in headings(document):
                problems.append(f"{name}: {document} has no section {title!r}")
        design = headings("docs/design.md")
        for number in DESIGN_SECTION.findall(text):
            if not any(title.startswith(f"{number}. ") for title in design):
                problems.append(f"{name}: docs/design.md has no §{number}")
    assert not problems, "\n".join(problems)
    assert citations > 20  # the pattern finds the citations there are


def test_the_design_cited_is_the_repositorys_own():
    elsewhere = [
        name for name, text in tracked_text_files() if re.search(r"\bDESIGN\b", text) and name != "tests/test_docs.py"
    ]
    assert not elsewhere, elsewhere  # a clone has no DESIGN.md: cite docs/design.md


def test_the_readme_stays_short_and_links_every_page():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 160
    for page in sorted((REPO / "docs").glob("*.md")) + [REPO / "config/README.md"]:
        assert str(page.relative_to(REPO)) in readme, page


def test_the_config_reference_is_in_step_with_the_schema_and_every_key_says_what_it_is():
    from align_transfer.report.docs import KEYS, config_reference, section

    reference = config_reference()
    written = section((REPO / "config/README.md").read_text(encoding="utf-8"), KEYS)
    assert written == reference, "run `python -m align_transfer.report.docs config`"
    rows = reference.splitlines()[2:]
    assert len(rows) > 200 and all(not row.endswith("|  |") for row in rows)
    keys = {row.split("`")[1] for row in rows}
    assert {"encoders[].sentence_layer", "finetune.sc.pooling", "claims.alpha", "languages.<code>.treebank"} <= keys


def readme_commands(prefix: str) -> list[str]:
    """The README's command lines that start with ``prefix``, their comments left out."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line.split("#", 1)[0].strip() for line in lines if line.startswith(prefix)]


def test_the_readme_s_snakemake_commands_run_as_written_and_its_counts_are_the_dry_runs(tmp_path):
    """Every `snakemake` line of the README, as a dry run in an empty folder (the SLURM profile with its
    partitions filled in, as its comment asks), succeeds; the job counts the README states are those the dry
    runs plan."""
    from conftest import SNAKEMAKE, job_counts, slurm_profile

    profile = slurm_profile(tmp_path)
    commands = readme_commands("snakemake ")
    assert len(commands) >= 7
    for line in commands:
        words = line.split()[1:]
        words = [
            str(profile) if word == "slurm" and before == "--profile" else word
            for before, word in zip(["", *words], words)
        ]
        command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), *words, "-n"]
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (line, result.stderr[-2000:])
    text = (REPO / "README.md").read_text(encoding="utf-8")

    def planned(*overlay):
        command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-n", "--quiet", "rules", *overlay]
        return sum(job_counts(subprocess.run(command, cwd=tmp_path, capture_output=True, text=True).stdout).values())

    assert f"every job of the paper's grid ({planned()})" in text
    mini = planned("--configfile", str(REPO / "config/mini.yaml")) - 1  # the jobs the demo counts: not `all`
    assert f"runs every job of the DAG for both: {mini} jobs" in text


def test_the_docs_name_commands_that_exist():
    """A command the docs give for a tool this project pins (the Hub client's `hf`), not an older name."""
    from conftest import SNAKEMAKE

    text = "".join(path.read_text(encoding="utf-8") for path in [REPO / "README.md", *(REPO / "docs").glob("*.md")])
    assert "huggingface-cli" not in text and "hf upload" in text
    assert subprocess.run([str(SNAKEMAKE.parent / "hf"), "upload", "--help"], capture_output=True).returncode == 0


def local_rules() -> set[str]:
    """The rules the workflow's `localrules:` blocks keep on the login node."""
    blocks = "".join(
        match[1]
        for path in (REPO / "workflow").rglob("*.smk")
        for match in re.finditer(r"^localrules:\n((?:[ \t]+\w+,?\n)+)", path.read_text(encoding="utf-8"), re.M)
    )
    return set(re.findall(r"\w+", blocks)) | task_source_downloads()


def task_source_downloads() -> set[str]:
    """data.smk's loop over the task registry: each task's source is fetched on the login node (`localrule`)."""
    from align_transfer.core.tasks import TASKS

    return {f"download_{task.source}" for task in TASKS.values()}


def test_the_job_counts_the_docs_state_are_the_dry_runs(tmp_path):
    from conftest import SNAKEMAKE, job_counts

    def counts(*overlay):
        command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-n", "--quiet", "rules", *overlay]
        return job_counts(subprocess.run(command, cwd=tmp_path, capture_output=True, text=True).stdout)

    def planned(*overlay):
        return sum(counts(*overlay).values())

    running = (REPO / "docs/running.md").read_text(encoding="utf-8")
    science = " ".join((REPO / "docs/science.md").read_text(encoding="utf-8").split())
    assert f"\n{planned()} jobs in all." in running
    paper = {rule: n for rule, n in counts().items() if rule != "all"}  # `all` runs nothing
    local = sum(n for rule, n in paper.items() if rule in local_rules())
    assert "scorecard" in local_rules() and local
    flowing = " ".join(running.split())
    assert f"The paper grid submits **{sum(paper.values()) - local} SLURM jobs**" in flowing
    assert f"runs {local} small jobs on the login node" in flowing
    three = planned("--configfile", str(REPO / "config/three-encoders.yaml"))
    assert f"Its dry run (`snakemake -n --configfile config/three-encoders.yaml`): {three:,} jobs" in science
