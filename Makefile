# Two commands do all the set-up: `make lab` opens the course, `make test` runs every test.
# Both create (or refresh) the virtual environment in .venv first.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8888
NBVAL_TIMEOUT ?= 120

.PHONY: lab test test-unit test-notebooks test-browser notebooks exercises bench venv clean present

venv: $(STAMP)

# Stale when pyproject.toml changed since the last install, or the interpreter no longer runs.
$(STAMP): pyproject.toml
	@if ! $(PY) -c 'import sys' >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,bench,browser,present]"
	@touch $(STAMP)

lab: $(STAMP)
	@mkdir -p $(VENV)/jupyter-runtime
	JUPYTER_RUNTIME_DIR=$(CURDIR)/$(VENV)/jupyter-runtime $(PY) -m jupyter lab \
		--ip=127.0.0.1 --port=$(PORT) --allow-root \
		$$( [ -n "$$DISPLAY" ] || echo --no-browser ) \
		--ServerApp.root_dir=$(CURDIR) \
		--LabApp.default_url=/lab/tree/README.md \
		--LabApp.news_url=None \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		--LabApp.extension_manager=readonly

NOTEBOOKS = $(wildcard lessons/*.ipynb solutions/*.ipynb exercises/*.ipynb)

# Type-check the library, then unit, property, lab and grader tests; then every notebook under nbval (strict mode:
# saved outputs are the reference). nbval needs its own run: its modes cannot mix with doctests.
# Last, every lesson in JupyterLab in headless Chromium (tests/browser): skipped, with the command
# that installs Chromium, when it is missing; a failure instead under COURSE_REQUIRE_BROWSER=1 (.ci/run).
BROWSER_TESTS = $(PY) -m pytest tests/browser
test: $(STAMP)
	$(PY) -m mypy course
	$(PY) -m pytest --ignore=tests/browser tests course
ifneq ($(strip $(NOTEBOOKS)),)
	$(PY) -m pytest --nbval --nbval-current-env --nbval-cell-timeout=$(NBVAL_TIMEOUT) \
		--nbval-sanitize-with=tests/nbval_sanitize.cfg -o addopts="-p no:cacheprovider" $(NOTEBOOKS)
endif
	$(BROWSER_TESTS)

# The browser tests alone; screenshots land in test-artifacts/screenshots/.
test-browser: $(STAMP)
	$(BROWSER_TESTS)

# Authoring helpers (instructors and course developers).
notebooks: $(STAMP)
	$(PY) -m course execute lessons/*.ipynb solutions/*.ipynb
	$(PY) -m course release

# Presenter mode: `make present LESSON=02` serves that lesson's labs as one page without code, in large
# type, with Voila on http://127.0.0.1:8866 only (PRESENT_PORT=... for another port); nothing leaves the machine.
present: $(STAMP)
	$(PY) -m course present "$(LESSON)" $(if $(PRESENT_PORT),--port $(PRESENT_PORT))

bench: $(STAMP)
	$(PY) benchmarks/engine_vs_simpy.py
	$(PY) benchmarks/eventsourcing_replay.py
	$(PY) benchmarks/design_scale.py
	$(PY) benchmarks/lab_latency.py

clean:
	rm -rf $(VENV) test-artifacts
