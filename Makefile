# The two commands: `make run` serves the wall on its embedded demo data; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Three pytest workers on two cores (a browser test waits on its page as much as it computes);
# the exhaustive walks (tests marked `full`) only in `make test-full`.
PYTEST_ARGS ?= -n 3 --dist loadgroup --durations=20

.PHONY: run dev cluster test test-full test-stress lint bench bench-scale bench-soak browser-deps stress-deps clean

$(VENV)/.installed-run: pyproject.toml deploy/fetch-plotly-basic.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	bash deploy/fetch-plotly-basic.sh
	touch $@

$(VENV)/.installed-test: pyproject.toml deploy/fetch-plotly-basic.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	bash deploy/fetch-plotly-basic.sh
	touch $@ $(VENV)/.installed-run

# gunicorn (gthread) on the embedded demo city; settings from the environment (README).
run: $(VENV)/.installed-run
	$(PY) -m dashboard run

# Flask's development server with Dash's dev tools, for working on the wall.
dev: $(VENV)/.installed-run
	DASH_DEBUG=1 $(PY) app.py

# The scale-out set on one host: redis-server, one poller and WEB_WORKERS (default 2) workers.
cluster: $(VENV)/.installed-run
	WEB_WORKERS=$${WEB_WORKERS:-2} $(PY) -m dashboard cluster

# Browser tests use Debian's Chromium and its driver, and a CJK font so Korean renders; the
# multi-process tests share frames and the remote's state through a real Redis server; zbarimg
# reads the wall's QR code back, as a phone's camera would.
browser-deps:
	@if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 \
	    || ! command -v redis-server >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1 \
	    || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk redis-server zbar-tools >/dev/null; \
	fi

test: $(VENV)/.installed-test browser-deps
	$(PY) -m ruff check .
	@$(PY) -m pytest $(PYTEST_ARGS); code=$$?; echo $$code > $(VENV)/pytest-exit; exit $$code

# Everything `make test` runs, and the exhaustive walks: every combination of feed states, every
# stage of every bundled scenario in both languages.
test-full: $(VENV)/.installed-test browser-deps
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS) --full

# The suite STRESS_RUNS (3) times in a row while stress-ng keeps both cores busy: a test that
# depends on the machine's speed fails here. Each run's result and time are printed at the end.
STRESS_RUNS ?= 3
test-stress: $(VENV)/.installed-test browser-deps stress-deps
	@stress-ng --cpu 2 --quiet & load=$$!; \
	trap 'kill $$load 2>/dev/null; wait $$load 2>/dev/null' EXIT; \
	failed=0; summary=""; \
	for run in $$(seq $(STRESS_RUNS)); do \
	  start=$$(date +%s); \
	  $(PY) -m pytest $(PYTEST_ARGS) -q -p no:cacheprovider; code=$$?; \
	  summary="$$summary\nrun $$run: exit $$code in $$(( $$(date +%s) - start )) s"; \
	  [ $$code = 0 ] || failed=1; \
	done; \
	printf "\nUnder load (stress-ng --cpu 2):$$summary\n"; exit $$failed

stress-deps:
	@command -v stress-ng >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq stress-ng >/dev/null; }

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(VENV)/.installed-test
	$(PY) benchmarks/ticks.py

# The wall against the naive peer over HTTP, K replayed browsers (../shared/peers; minutes).
bench-scale: $(VENV)/.installed-test browser-deps
	$(PY) benchmarks/scale.py $(BENCH_ARGS)

# A simulated day on the fast demo clock: server and browser memory, files and history each minute
# (about 32 minutes; BENCH_ARGS=--quick for 3).
bench-soak: $(VENV)/.installed-test browser-deps
	$(PY) benchmarks/soak.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts assets/vendor
