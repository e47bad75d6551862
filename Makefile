# Two commands on a fresh machine with Python 3.10+:
#   make demo   runs the main demo: the worked 2-2-2 example of BACKPROP_NOTES.md, its
#               numbers and its graph (worked_example.svg); installs what it needs into .venv
#   make test   runs the whole test suite twice: on the compiled engine, then on the
#               interpreted one (AUTOGRAD_MINI_PURE=1); installs the test tools, numpy for
#               autograd_mini.testing, and PyTorch 2.13.0 for the comparison tests (where
#               torch cannot be installed those tests skip, except under CI=true, where a
#               missing torch is an error). Where no C compiler is found, both passes run
#               the interpreted engine.
# Others:
#   make build      compiles the engine's core again (pip install -e .: mypyc, docs/engine.md)
#   make notebook   installs JupyterLab into .venv and opens the walkthrough
#   make lint       ruff check . (the rules are in pyproject.toml)
#   make fuzz       the long fuzz run (AUTOGRAD_MINI_FUZZ=long): random programs against PyTorch,
#                   users' ops, compile against eager
#   make bench      the benchmarks against micrograd, PyTorch and hand-written floats
#   make bench-layout  the engine's node layout compiled with mypyc (installs mypy into
#                   .venv): how much a compiled engine gains, docs/performance.md
#   make notes      notebooks/BACKPROP_NOTES.md is the project's ../shared notes, word for word
#   make docs       builds the documentation site into site/ (MkDocs, strict: a warning fails)
#   make docs-serve serves the site on http://127.0.0.1:8000, rebuilding on changes
#   make notebook-html  the walkthrough as one HTML page, out/walkthrough.html, maths offline
#   make docs-pictures  draws the README's picture again (docs/assets/worked-example-network.svg)
#   make names      trains the names language model (MODEL=gpt or MODEL=mlp; under a minute
#                   on one core), plots its loss curve and samples names (docs/language-model.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0
PYTEST_ARGS ?=

MODEL ?= gpt

CORE_SOURCES := setup.py $(wildcard autograd_mini/core/*.py)   # (compiled.py lists what compiles)

.PHONY: build demo test lint fuzz notebook bench bench-layout notes names clean docs docs-serve notebook-html docs-pictures

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("autograd_mini needs Python 3.10+, this is " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@ $(VENV)/.engine-built

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@echo "installing $(TORCH) (CPU) for the comparison tests: a minute or two"
	@if $(BIN)/python -m pip install -q $(TORCH); then :; \
	elif [ "$$CI" = "true" ]; then echo "CI: $(TORCH) failed to install" >&2; exit 1; \
	else echo "note: $(TORCH) not installed; the PyTorch comparison tests will skip"; fi
	touch $@ $(VENV)/.demo-installed $(VENV)/.train-installed $(VENV)/.docs-installed \
	    $(VENV)/.engine-built

$(VENV)/.train-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[train]'
	touch $@ $(VENV)/.demo-installed $(VENV)/.train-installed

$(VENV)/.lint-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[lint]'
	touch $@

$(VENV)/.docs-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $@ $(VENV)/.demo-installed

$(VENV)/.notebook-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[train,check]' jupyterlab
	touch $@ $(VENV)/.demo-installed $(VENV)/.train-installed

# the compiled core, rebuilt when its sources change (an edited source is never run stale:
# autograd_mini/core/compiled.py falls back to it with a warning until this rebuilds)
$(VENV)/.engine-built: $(CORE_SOURCES) | $(VENV)/.demo-installed
	$(BIN)/python -m pip install -q --no-deps -e .
	$(ENGINE_SAYS)
	touch $@

build: | $(BIN)/python
	$(BIN)/python -m pip install -q --no-deps -e .
	$(ENGINE_SAYS)
	touch $(VENV)/.engine-built

# which engine the build gave (pip -q hides setup.py's notice when mypyc fails on an edit)
ENGINE_SAYS = $(BIN)/python -W ignore -c "from autograd_mini.core import compiled as c; \
	print('autograd_mini engine:', c.ENGINE, c.REASON); c.ENGINE == 'compiled' or \
	print('(the build did not compile it: $(BIN)/python -m pip install -v -e . says why)')"

demo: $(VENV)/.demo-installed $(VENV)/.engine-built
	$(BIN)/python -m autograd_mini example --svg worked_example.svg

test: $(VENV)/.test-installed $(VENV)/.engine-built
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@echo "=== the same suite on the interpreted engine (AUTOGRAD_MINI_PURE=1)"
	AUTOGRAD_MINI_PURE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.lint-installed
	$(BIN)/ruff check .

fuzz: $(VENV)/.test-installed
	AUTOGRAD_MINI_FUZZ=long $(BIN)/python -m pytest tests/core/test_fuzz.py \
	    tests/core/test_fuzz_user_ops.py tests/compiler/test_compile_random.py $(PYTEST_ARGS)

notebook: $(VENV)/.notebook-installed     # JupyterLab refuses root without --allow-root
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/walkthrough.ipynb

names: $(VENV)/.train-installed
	$(BIN)/python -m autograd_mini names --model $(MODEL)

bench: $(VENV)/.test-installed
	$(BIN)/python -m benchmarks

bench-layout: $(VENV)/.test-installed
	$(BIN)/python -m pip install -q mypy
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m benchmarks.layout

notes:
	@if [ -f ../shared/BACKPROP_NOTES.md ]; then \
	  diff -u ../shared/BACKPROP_NOTES.md notebooks/BACKPROP_NOTES.md \
	  || { echo "notebooks/BACKPROP_NOTES.md differs from ../shared/BACKPROP_NOTES.md" >&2; \
	       exit 1; }; \
	  echo "notebooks/BACKPROP_NOTES.md is ../shared/BACKPROP_NOTES.md, word for word"; \
	else echo "no ../shared/BACKPROP_NOTES.md beside this checkout: nothing to compare"; fi

# MkDocs 1.6 and Material print a notice about MkDocs 2 on every run: not a warning of ours
DOCS_ENV := NO_MKDOCS_2_WARNING=1

docs: $(VENV)/.docs-installed
	$(DOCS_ENV) $(BIN)/python -m mkdocs build --strict --site-dir site

docs-serve: $(VENV)/.docs-installed
	$(DOCS_ENV) $(BIN)/python -m mkdocs serve --strict --dev-addr 127.0.0.1:8000

notebook-html: $(VENV)/.docs-installed
	@mkdir -p out
	$(BIN)/python docs/_hooks/notebook.py out/walkthrough.html

docs-pictures: $(VENV)/.demo-installed
	$(BIN)/python docs/_hooks/figures.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache build *.egg-info site .cache
