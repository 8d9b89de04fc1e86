# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, migrate, load the demo catalogue, start the service
#   make test   create .venv, install with test tools, run the whole test suite
# Everything else here is a building block of those two.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: run test install lint typecheck clean demo browser bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, alone: the CPU build. Letting a dependency choose would pull CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/faellesskab db upgrade
	$(BIN)/faellesskab model prepare
	$(BIN)/faellesskab catalogue demo
	$(BIN)/faellesskab catalogue summary
	$(BIN)/faellesskab index sync

run: demo
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) 'api:create_app()'

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Debian's Chromium and its driver for the browser tests; without root or
# apt the browser tests are skipped, and pytest says so.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "Could not install chromium: the browser tests will be skipped."; \
	else echo "chromium is not installed: the browser tests will be skipped."; fi

# Every benchmark (bench/run_all.py), bounded in time; writes /tmp/bench/all/results.{json,md}
# and rewrites the README's performance table. BENCH_ARGS=--short is CI's run of a few seconds.
bench: install
	PYTHONPATH=. $(BIN)/python bench/run_all.py --readme $(BENCH_ARGS)

# Style, formatting, types and the house's floors (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
