# Two commands do all the set-up (see README.md):
#   make lab    create .venv if missing, install, start JupyterLab on the course home
#   make test   same set-up, then the whole test suite
#   make reliability   the slow evidence runs (kernel kills, seeded faults, offline); CI runs both
# Needs only python3 (3.11 to 3.15) and make. Re-running is fast when nothing changed.
# Another Python: make test PYTHON=python3.14 VENV=.venv-3.14

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOME_NOTEBOOK := $(firstword $(sort $(wildcard notebooks/00_*.ipynb)))
LAB_IP ?= 127.0.0.1
LAB_PORT ?= 8888
LAB_FLAGS ?=
ifndef LAB_TOKEN
LAB_TOKEN := $(shell $(PYTHON) -c 'import secrets; print(secrets.token_hex(16))')
endif
PYTEST_ARGS ?=
SLIDES_ARGS ?=
# Jupyter refuses to run as root unless told; containers and Binder-like hosts run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test reliability setup lint format nav clean slides html bench figure

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if (3, 11) <= v < (3, 16) else \
		"This course needs Python 3.11 to 3.15, but $(PYTHON) is %d.%d. Install one (python.org, your package \
		manager, or uv python install 3.14), then: make lab PYTHON=python3.14" % v[:2])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -e '.[test]'
	@touch $@

lab: $(STAMP)
	@echo "JupyterLab is starting on the course home. Open this URL in your browser:"
	@echo
	@echo "    http://$(LAB_IP):$(LAB_PORT)/lab/tree/$(notdir $(HOME_NOTEBOOK))?token=$(LAB_TOKEN)"
	@echo
	@$(BIN)/jupyter lab $(HOME_NOTEBOOK) --ServerApp.ip=$(LAB_IP) --ServerApp.port=$(LAB_PORT) \
		--ServerApp.port_retries=0 --IdentityProvider.token=$(LAB_TOKEN) $(ROOT_FLAG) $(LAB_FLAGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Kernels killed mid-request, 20 seeded fault runs, a notebook in a network namespace: a few minutes.
reliability: $(STAMP)
	$(PY) -m pytest -m reliability $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check helpers tests notebooks
	$(BIN)/ruff format --check helpers tests notebooks

format: $(STAMP)
	$(BIN)/ruff format helpers tests notebooks
	$(BIN)/ruff check --fix helpers tests notebooks

nav: $(STAMP)
	$(PY) -m helpers.nav

# Offline reveal.js decks (build/slides/) and the executed reading edition (build/html/).
# SLIDES_ARGS: e.g. --jobs 2 (two notebooks at once), --fresh (execute again), or notebook paths.
slides: $(STAMP)
	$(PY) -m helpers.slides slides $(SLIDES_ARGS)

html: $(STAMP)
	$(PY) -m helpers.slides html $(SLIDES_ARGS)

# The benchmark (helpers/bench.py): every approach side by side, with targets; a few minutes.
# BENCH_ARGS: e.g. --quick, --n 1000, --repeats 9.
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m helpers.bench --json build/bench.json $(BENCH_ARGS)

# The README's headline picture, measured on this machine (not drawn by hand).
figure: $(STAMP)
	$(PY) -m helpers.bench --json build/bench.json --figure notebooks/figures/showdown.png $(BENCH_ARGS)

clean:
	rm -rf build .pytest_cache .ruff_cache
