# Two commands on a fresh machine with Python 3.10+:
#   make demo   runs the main demo: the worked 2-2-2 example of BACKPROP_NOTES.md, its
#               numbers and its graph (worked_example.svg); installs what it needs into .venv
#   make test   runs the whole test suite (installs the test tools, and PyTorch 2.13.0
#               for the comparison tests; where torch cannot be installed those tests
#               skip, except under CI=true, where a missing torch is an error)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("autograd_mini needs Python 3.10+, this is " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[viz]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@if $(BIN)/python -m pip install -q torch==2.13.0; then :; \
	elif [ "$$CI" = "true" ]; then echo "CI: torch==2.13.0 failed to install" >&2; exit 1; \
	else echo "note: torch==2.13.0 not installed; the PyTorch comparison tests will skip"; fi
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/python -m autograd_mini example --svg worked_example.svg

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

bench: $(VENV)/.test-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
