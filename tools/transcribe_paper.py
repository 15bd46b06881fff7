"""Transcribe the paper's numbers into the workflow's data files (the scorecard compares a run with them).

    python tools/transcribe_paper.py [../shared/paper/paper.md]

Writes workflow/data/paper_numbers.csv (Tables 1, 2, 3, 7, 8 and the base scores, keyed as the workflow's
own tables are), workflow/data/paper_hyperparameters.csv (Tables 4-6) and workflow/data/paper_grid.csv (the
encoder, pairs, loss codes, languages, checkpoints and how much of each test set and FLORES it uses), each row
with the line of the paper it came from. This is the first reading; tests/test_paper_numbers.py reads every number a second time, in
another way, and compares.
"""

import argparse
import csv
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODES = ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0", "S1W1M1"]
TASKS = {"POS Tagging": "pos", "Sentence Classification": "sc"}
MODES = {"Full Model Fine-tuning": "full", "Linear Layer Only Fine-tuning": "linear"}
NUMBERS = ["table", "task", "mode", "group", "pair", "losses", "value", "std", "line"]
HYPERPARAMETERS = ["table", "parameter", "value", "text", "line"]
GRID = ["setting", "value", "text", "line"]


def cell(text: str) -> tuple[float, float | None]:
    """``"0.008 ± 0.004"`` -> (0.008, 0.004); ``"0.723"`` -> (0.723, None)."""
    value, _, std = text.partition("±")
    return float(value), float(std) if std.strip() else None


def model(text: str) -> str:
    """``"XLM-R _{de-en}"`` -> ``de-en``; ``"XLM-R_{base}"`` -> ``base``."""
    return re.fullmatch(r"XLM-R_\{([a-z-]+)\}", text.replace(" ", "")).group(1)


def caption_line(lines: list[str], table: int) -> int:
    return next(n for n, text in enumerate(lines, 1) if text.startswith(f"Table {table}:"))


def block(lines: list[str], header: str, before: int) -> range:
    """The line numbers of the table whose caption is at ``before``: from the first ``header`` above it."""
    start = max(n for n, text in enumerate(lines[:before], 1) if text.startswith(header) and n < before)
    return range(start, before)


def model_rows(lines, table: str, numbers: range) -> list[dict]:
    """Tables 1 and 3: blocks of task (and mode), a row per model, a column per loss code."""
    rows, task, mode = [], None, None
    for number in numbers:
        cells = lines[number - 1].split("\t")
        head = cells[0].strip()
        task, mode = TASKS.get(head, task), MODES.get(head, mode)
        if not head.startswith("XLM-R"):
            continue
        pair = model(head)
        keys = {"table": table, "task": task, "mode": mode if table == "table1" else None, "pair": pair}
        if pair == "base":  # the base encoder's own score, printed once per loss code
            value, std = cell(cells[1])
            rows.append(keys | {"losses": None, "value": value, "std": std, "line": number})
            continue
        for code, text in zip(CODES, cells[1:]):
            value, std = cell(text)
            rows.append(keys | {"losses": code, "value": value, "std": std, "line": number})
    return rows


def group_rows(lines, table: str, numbers: range) -> list[dict]:
    """Tables 2, 7 and 8: blocks of groups, a row per language pair, a column per loss code."""
    rows, group = [], None
    for number in numbers:
        cells = lines[number - 1].split("\t")
        head = cells[0].strip()
        if head.startswith("Group "):
            group = head.split(": ", 1)[1]
        elif re.fullmatch(r"[a-z]{3}-[a-z]{3}", head):
            for code, text in zip(CODES, cells[1:]):
                value, std = cell(text)
                rows.append(
                    {
                        "table": table,
                        "group": group,
                        "pair": head,
                        "losses": code,
                        "value": value,
                        "std": std,
                        "line": number,
                    }
                )
    return rows


def hyperparameter_rows(lines, table: str, numbers: range) -> list[dict]:
    rows = []
    for number in numbers:
        cells = lines[number - 1].split("\t")
        if len(cells) != 2 or cells[0] == "Parameter":
            continue
        text = cells[1].strip()
        plain = re.sub(r"(\d),(\d{3})", r"\1\2", text.replace("$", "").replace("\\approx", "")).replace(" ", "")
        try:
            value = int(plain) if re.fullmatch(r"\d+", plain) else float(plain)
        except ValueError:
            value = text  # a list of seeds
        rows.append({"table": table, "parameter": cells[0].strip(), "value": value, "text": text, "line": number})
    return rows


def transcribe(paper: Path) -> tuple[list[dict], list[dict]]:
    lines = paper.read_text(encoding="utf-8").splitlines()
    table1_caption = caption_line(lines, 1)
    # Table 1's rows stand above its caption, after the block of POS Tagging
    table1 = range(max(n for n in range(1, table1_caption) if lines[n - 1].startswith("POS Tagging\t")), table1_caption)
    numbers = model_rows(lines, "table1", table1)
    numbers += model_rows(lines, "table3", block(lines, "Model\t", caption_line(lines, 3)))
    for table in (2, 7, 8):
        numbers += group_rows(lines, f"table{table}", block(lines, "Lang Pair\t", caption_line(lines, table)))
    hyperparameters = []
    for table in (4, 5, 6):
        hyperparameters += hyperparameter_rows(
            lines, f"table{table}", block(lines, "Parameter\t", caption_line(lines, table))
        )
    return numbers, hyperparameters


def grid_rows(lines: list[str]) -> list[dict]:
    """The paper's grid, each setting where the paper states it: the encoder (§4.2), the alignment pairs (§4.2),
    the loss codes (§4.2), the checkpoints (§4.2), the evaluation languages (§4.4), and the evaluation data,
    the whole test split (§4.4) and FLORES-200 (§4.5), of which it names no subset."""

    def line_of(pattern: str) -> tuple[int, re.Match]:
        return next((n, m) for n, text in enumerate(lines, 1) if (m := re.search(pattern, text)))

    rows = []
    number, match = line_of(r"we use the (XLM-R) \(Conneau et al\., 2020\) \(270M parameters\)")
    rows.append({"setting": "encoder", "value": "FacebookAI/xlm-roberta-base", "text": match.group(0), "line": number})
    number, match = line_of(r"L_\{\\text\{ALIGN\}\} = \\\{\\text\{([a-z, -]+)\}")
    rows.append({"setting": "pairs", "value": match.group(1), "text": match.group(0), "line": number})
    number, match = line_of(r"we enumerate all non-zero combinations of loss coefficients")
    rows.append({"setting": "loss codes", "value": ", ".join(CODES), "text": match.group(0), "line": number})
    number, match = line_of(r"checkpoints are saved at ([\d,]+) \(INTERMEDIATE\) and ([\d,]+) \(FINAL\) steps")
    steps = ", ".join(step.replace(",", "") for step in match.groups())
    rows.append({"setting": "checkpoint steps", "value": steps, "text": match.group(0), "line": number})
    number, match = line_of(r"L_\{\\text\{POS\}\} = L_\{\\text\{SENT\}\} = \\\{\\text\{([a-z, ]+)\}")
    rows.append({"setting": "evaluation languages", "value": match.group(1), "text": match.group(0), "line": number})
    number, match = line_of(r"we perform zero-shot evaluation of each checkpoint")
    rows.append({"setting": "test items per language", "value": "all", "text": match.group(0), "line": number})
    number, match = line_of(r"We assess cross-lingual sentence retrieval on the FLORES-200 dataset")
    rows.append({"setting": "FLORES sentences per language", "value": "all", "text": match.group(0), "line": number})
    number, match = line_of(r"fine-tune all checkpoints for token-level \(POS TAGGING\) and sentence-level")
    rows.append({"setting": "training examples", "value": "all", "text": match.group(0), "line": number})
    return rows


def write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paper", nargs="?", default=str(REPO.parent / "shared/paper/paper.md"))
    args = parser.parse_args()
    numbers, hyperparameters = transcribe(Path(args.paper))
    folder = REPO / "workflow/data"
    write(folder / "paper_numbers.csv", NUMBERS, numbers)
    write(folder / "paper_hyperparameters.csv", HYPERPARAMETERS, hyperparameters)
    grid = grid_rows(Path(args.paper).read_text(encoding="utf-8").splitlines())
    write(folder / "paper_grid.csv", GRID, grid)
    print(
        f"{len(numbers)} numbers, {len(hyperparameters)} hyper-parameters and {len(grid)} grid settings written to {folder}/"
    )


if __name__ == "__main__":
    main()
