# The two commands of the README: `make demo` runs the workflow on the mini world, `make test`
# runs the test suite. Both create the environment first.
VENV ?= .venv
PYTHON ?= python3
CORES ?= 2
# torch is installed before the package so that pip keeps this build; see README, "GPU machines".
TORCH ?= torch==2.13.0
TORCH_PIP_ARGS ?=

BIN := $(VENV)/bin

.PHONY: demo test env

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: env
	$(BIN)/snakemake --configfile config/mini.yaml --cores $(CORES)

test: env
	$(BIN)/python -m pytest
