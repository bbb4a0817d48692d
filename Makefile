# The two commands of the kit: `make release` and `make test`. Everything else
# (the venv, Debian's graphviz, chromium and nodejs) is installed on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader shells out to tools of the venv (alembic), so its bin comes first.
export PATH := $(BIN):$(PATH)

.PHONY: release test lint format grade grade-all bench site system-deps venv clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Debian packages the kit uses for real: `dot` (graph pictures), chromium (site check) and
# node (act runs the Classroom workflow's reporter stand-in with it).
system-deps:
	@if ! command -v dot >/dev/null || ! command -v chromium >/dev/null || ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium nodejs >/dev/null; \
	  else echo "install Debian's graphviz, chromium and nodejs (sudo apt-get install graphviz chromium nodejs)"; exit 1; fi; \
	fi

release: venv
	$(BIN)/python -m coursekit release

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: venv system-deps lint
	$(BIN)/python -m pytest

grade: venv
	@test -n "$(SUBMISSION)" || (echo "usage: make grade SUBMISSION=<student repository> RESULTS=<file> [ASSIGNMENT=<name>]"; exit 2)
	$(BIN)/python -m autograder grade "$(SUBMISSION)" --results "$(or $(RESULTS),results.json)" $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

grade-all: venv
	@test -n "$(SUBMISSIONS)" -a -n "$(OUT)" || (echo "usage: make grade-all SUBMISSIONS=<folder of student repositories> OUT=<folder> [ASSIGNMENT=<name>]"; exit 2)
	$(BIN)/python -m autograder grade-all "$(SUBMISSIONS)" --out "$(OUT)" $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

# The course site: generated pages, released notebooks run on the reference, built offline by Sphinx.
site: venv system-deps
	$(BIN)/python -m coursekit.site

bench: venv
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) build course_site/_build
