# The two commands: `make run` serves the wall on its embedded demo data; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two pytest workers: browser tests one after another in one of them (tests/conftest.py), the
# rest beside them.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: run dev cluster test lint bench bench-scale bench-soak browser-deps clean

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
