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
