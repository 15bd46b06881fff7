# The README's commands: `make demo` runs the workflow on the mini world, `make test` runs the unit and
# integration tests; the other tiers have targets of their own. Each creates the environment first.
VENV ?= .venv
PYTHON ?= python3
CORES ?= all
# torch is installed before the package so that the installer keeps this build; see docs/running.md, "GPU machines".
TORCH ?= torch==2.13.0
TORCH_PIP_ARGS ?=

BIN := $(VENV)/bin

.PHONY: demo report test test-e2e test-slurm test-real test-all env

env: $(VENV)/.installed

# uv installs in seconds what pip takes two minutes for. It does not read pip's configuration, so pip's
# find-links (where this project's CPU machines keep their torch build) is passed on. It compiles the
# packages' bytecode once, at install: where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines), every process would otherwise compile torch, transformers and snakemake anew (a dry run of
# the paper's grid: 8.1 s without, 4.8 s with).
FIND_LINKS ?= $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
UV = $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(foreach dir,$(FIND_LINKS),--find-links $(dir))

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) $(TORCH_PIP_ARGS) "$(TORCH)"
	$(UV) -e ".[dev]"
	touch $@

demo: env
	$(BIN)/python tools/demo.py --cores $(CORES)

# snakemake's own report of the demo's run: demo/report.zip
report: env
	$(BIN)/python tools/demo.py --report

# unit and integration tests (minutes), on every core: most of them wait on a snakemake subprocess
TEST_WORKERS ?= auto
# each tier lists its slowest tests: where CI's time goes
PYTEST_ARGS ?= --durations=8
test: env
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# the whole mini DAG, as `make demo` runs it, and the checks on its results
test-e2e: env
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

# a narrowed mini DAG through the SLURM profile on a local cluster (../shared/tools, root)
test-slurm: env
	$(BIN)/python -m pytest -m slurm $(PYTEST_ARGS)

# a narrowed DAG on ../shared/data with the real stand-in encoder
test-real: env
	$(BIN)/python -m pytest -m realdata $(PYTEST_ARGS)

test-all: test test-e2e test-slurm test-real
