# The two everyday commands: `make demo` and `make test`. Both set up what they need.

# The first Python 3.11+ that actually runs (a pyenv shim may exist without its version).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && \
	{ command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench install clean chromium

demo: $(STAMP)
	$(BIN)/hourglass demo

test: $(STAMP) tests/timescale/node_modules/.installed
	$(BIN)/ruff check hourglass bot analytics tests
	$(BIN)/ruff format --check hourglass bot analytics tests
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check hourglass bot analytics tests
	$(BIN)/ruff format --check hourglass bot analytics tests

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/hourglass bench

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@[ -n "$(PYTHON)" ] && $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Hourglass needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@$(MAKE) --no-print-directory chromium
	touch $@

# Charts are drawn by a headless Chromium. Installed only when root and missing; without
# it everything else works and charts report "charts unavailable".
chromium:
	@if command -v chromium >/dev/null || command -v google-chrome >/dev/null || \
		[ -n "$$BROWSER_PATH" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for charts"; \
		{ apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
		echo "could not install chromium: charts will be unavailable (set BROWSER_PATH)"; \
	else \
		echo "no Chromium found: charts will be unavailable; install chromium or set BROWSER_PATH"; \
	fi

# The TimescaleDB test server (PGlite compiled to WebAssembly) runs on Node.js.
tests/timescale/node_modules/.installed: tests/timescale/package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq nodejs npm >/dev/null; } || \
		{ echo "the tests need Node.js 18 or newer and npm"; exit 1; }
	npm ci --prefix tests/timescale --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) tests/timescale/node_modules hourglass-output
