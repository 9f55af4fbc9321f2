# Two commands do all the set-up (see README.md):
#   make lab    create .venv if missing, install, start JupyterLab on the course home
#   make test   same set-up, then the whole test suite
#   make reliability   the slow evidence runs (kernel kills, seeded faults, offline); CI runs both
# Every target is a thin wrapper of course.py, which does the work with Python alone (so Windows
# and macOS need no make: `python3 course.py lab`). Re-running is fast when nothing changed.
# Another Python: make test PYTHON=python3.14 VENV=.venv-3.14

PYTHON ?= python3
VENV ?= .venv
COURSE = $(PYTHON) course.py --venv $(VENV)
LAB_IP ?= 127.0.0.1
LAB_PORT ?= 8888
LAB_TOKEN ?=
LAB_FLAGS ?=
# EDITION=ko: JupyterLab opens the Korean edition (notebooks/ko/, 한국어판)
EDITION ?=
PYTEST_ARGS ?=
SLIDES_ARGS ?=
# BENCH_ARGS: e.g. --quick, --n 1000, --repeats 9.
BENCH_ARGS ?=

.PHONY: lab test reliability setup lint format nav translations clean slides html bench figure classroom classroom-setup classroom-test

setup:
	@$(COURSE) setup

lab:
	@$(COURSE) lab --ip $(LAB_IP) --port $(LAB_PORT) $(if $(EDITION),--edition $(EDITION)) $(if $(LAB_TOKEN),--token $(LAB_TOKEN)) $(LAB_FLAGS)

test:
	@$(COURSE) test $(PYTEST_ARGS)

# Kernels killed mid-request, 20 seeded fault runs, a notebook in a network namespace: a few minutes.
reliability:
	@$(COURSE) reliability $(PYTEST_ARGS)

# The class's JupyterHub on this machine (root, Linux): classroom/README.md. STUDENTS accounts
# student01 ...; prints the URL and the class password; Ctrl+C stops it and every student's server.
STUDENTS ?= 5
HUB_PORT ?= 8000
classroom:
	@$(COURSE) classroom run --students $(STUDENTS) --port $(HUB_PORT)

classroom-setup:
	@$(COURSE) classroom setup

# Ten students running 01 and 03 at once on the hub, nbgitpuller, nbgrader (sets up first): ~5 min.
classroom-test:
	@$(COURSE) classroom test $(PYTEST_ARGS)

lint:
	@$(COURSE) lint

format:
	@$(COURSE) format

nav:
	@$(COURSE) nav

# The Korean edition: update notebooks/locale/ko/ from the English notebooks, build notebooks/ko/.
# TRANSLATIONS_ARGS: e.g. --check (change nothing), --stats, or notebook numbers (04 05).
TRANSLATIONS_ARGS ?=
translations:
	@$(COURSE) translations $(TRANSLATIONS_ARGS)

# Offline reveal.js decks (build/slides/) and the executed reading edition (build/html/).
# SLIDES_ARGS: e.g. --jobs 2 (two notebooks at once), --fresh (execute again), or notebook paths.
slides:
	@$(COURSE) slides $(SLIDES_ARGS)

html:
	@$(COURSE) html $(SLIDES_ARGS)

# The benchmark (helpers/bench.py): every approach side by side, with targets; a few minutes.
bench:
	@$(COURSE) bench $(BENCH_ARGS)

# The README's headline picture, measured on this machine (not drawn by hand).
figure:
	@$(COURSE) figure $(BENCH_ARGS)

clean:
	@$(COURSE) clean
