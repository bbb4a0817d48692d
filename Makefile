# The two commands of the kit: `make release` and `make test`. Everything else
# (the venv, Debian's bubblewrap, graphviz and chromium) is installed on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader shells out to tools of the venv (alembic), so its bin comes first.
export PATH := $(BIN):$(PATH)

.PHONY: release test lint format grade grade-all grade-deps collect gradebook report rehearsal bench site system-deps venv clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	@echo "installing the kit's Python packages into $(VENV) (first run only: about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Debian packages the kit uses for real: bubblewrap (the graders' sandbox), `dot` (graph pictures)
# and chromium (site check). act runs the workflows' composite stand-in actions without node.
SYSTEM_TOOLS := bwrap dot chromium
SYSTEM_PACKAGES := bubblewrap graphviz chromium
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's $(SYSTEM_PACKAGES) with apt-get, for$$missing (first run only: about half a minute)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "missing:$$missing; install Debian's $(SYSTEM_PACKAGES) (sudo apt-get install $(SYSTEM_PACKAGES))"; exit 1; fi; \
	fi

# The graders' one system dependency: bubblewrap (the sandbox's namespaces). Installed as root;
# otherwise the one-line command to run (ALLOW_UNISOLATED=1 grades without it, not for the record).
grade-deps:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  elif [ -n "$(ALLOW_UNISOLATED)" ]; then echo "warning: bubblewrap is not installed: grading without OS isolation"; \
	  else echo "bubblewrap is not installed: run  sudo apt-get install -y bubblewrap  (or grade as root)"; exit 1; fi; }

release: venv
	$(BIN)/python -m coursekit release

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: venv system-deps lint
	@echo "running every test of the kit (pytest: several minutes on 2 cores)"
	$(BIN)/python -m pytest

# Grading flags: ISOLATION=namespaces|uid|none forces a level; ALLOW_UNISOLATED=1 grades where the OS
# gives no isolation (the grade of record refuses otherwise); FORCE=1 regrades unchanged repositories.
GRADE_FLAGS = $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(ISOLATION),--isolation $(ISOLATION)) \
	$(if $(ALLOW_UNISOLATED),--allow-unisolated)

grade: venv grade-deps
	@test -n "$(SUBMISSION)" || (echo "usage: make grade SUBMISSION=<student repository> RESULTS=<file> [ASSIGNMENT=<name>]"; exit 2)
	$(BIN)/python -m autograder grade "$(SUBMISSION)" --results "$(or $(RESULTS),results.json)" $(GRADE_FLAGS)

grade-all: venv grade-deps
	@test -n "$(SUBMISSIONS)" -a -n "$(OUT)" || (echo "usage: make grade-all SUBMISSIONS=<folder of student repositories> OUT=<folder> [ASSIGNMENT=<name>] [FORCE=1] [SCHEDULER=tcp://HOST:PORT]"; exit 2)
	$(BIN)/python -m autograder grade-all "$(SUBMISSIONS)" --out "$(OUT)" $(GRADE_FLAGS) $(if $(FORCE),--force) $(if $(SCHEDULER),--scheduler "$(SCHEDULER)")

# The deadline regrade: collect -> grade-all -> gradebook -> report (README: "The deadline regrade").
collect: venv
	@test -n "$(ROSTER)" -a -n "$(DEADLINE)" -a -n "$(URL)" -a -n "$(OUT)" -a -n "$(ASSIGNMENT)" || (echo "usage: make collect ROSTER=<roster.csv> DEADLINE=<2026-10-01T23:59:00Z, 2026-10-01T23:59-04:00 or '2026-10-01 23:59 America/New_York'> URL='https://github.com/ORG/CLASSROOM-{assignment}-{github}' OUT=<folder> ASSIGNMENT=<name> [LATE_PENALTY=<% per day, default 10>] [LATE_CAP=<%, default 50>] [NO_LATE=1]"; exit 2)
	$(BIN)/python -m coursekit.collect --roster "$(ROSTER)" --deadline "$(DEADLINE)" --url '$(URL)' --out "$(OUT)" --assignment $(ASSIGNMENT) $(if $(LATE_PENALTY),--late-penalty $(LATE_PENALTY)) $(if $(LATE_CAP),--late-cap $(LATE_CAP)) $(if $(NO_LATE),--no-late)

gradebook: venv
	@test -n "$(ROSTER)" -a -n "$(GRADED)" -a -n "$(ASSIGNMENT)" || (echo "usage: make gradebook ROSTER=<roster.csv> GRADED=<grade-all's OUT> ASSIGNMENT=<name> [SUBMISSIONS=<collected folder>] [CANVAS_ID=<id>]"; exit 2)
	$(BIN)/python -m coursekit.gradebooks --roster "$(ROSTER)" --graded "$(GRADED)" --assignment $(ASSIGNMENT) $(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)") $(if $(CANVAS_ID),--canvas-id $(CANVAS_ID))

report: venv
	@test -n "$(ROSTER)" -a -n "$(GRADED)" -a -n "$(ASSIGNMENT)" || (echo "usage: make report ROSTER=<roster.csv> GRADED=<grade-all's OUT> ASSIGNMENT=<name> [SUBMISSIONS=<collected folder>]  (writes GRADED/report-<name>.html, .png, .md)"; exit 2)
	$(BIN)/python -m coursekit.report --roster "$(ROSTER)" --graded "$(GRADED)" --assignment $(ASSIGNMENT) $(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)")

# A whole term on stand-ins (3 assignments x STUDENTS students), from make collect to the Canvas CSV.
rehearsal: venv
	$(BIN)/python benchmarks/rehearse_term.py $(if $(STUDENTS),--students $(STUDENTS)) $(if $(WORK),--work "$(WORK)")

# The course site: generated pages, released notebooks run on the reference, built offline by Sphinx.
site: venv system-deps
	$(BIN)/python -m coursekit.site

bench: venv
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) build course_site/_build
