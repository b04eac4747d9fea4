# Two commands on a fresh machine:
#   make run   - set everything up and run the app with demo accounts (SQLite file in instance/)
#   make test  - set everything up, lint (ruff), and run the whole suite on SQLite, then on PostgreSQL
# Python packages install from requirements.lock: the exact tested set, every file pinned by its hash.
#   make lock          - after changing dependencies in pyproject.toml: add and drop what changed, keep every
#                        other pin as it is
#   make lock-upgrade  - move every package to the newest release pyproject.toml allows
# Both run uv (pinned below, kept in .tools/); then make test, and commit the lock with the change.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
MAIL_PORT ?= 8025
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/cc_test
CHROMIUM ?= /usr/bin/chromium
LOCK := requirements.lock
TOOLS := .tools
UV_VERSION := 0.13.8
# The lock covers the app, its test extra and the build backend (pyproject's [build-system] requires, read
# from there and given to uv on standard input), for Python 3.11 and later on any platform.
BUILD_REQUIRES = $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'
UV_COMPILE = $(BUILD_REQUIRES) | UV_CUSTOM_COMPILE_COMMAND="make lock" $(TOOLS)/bin/uv pip compile --quiet \
  --universal --python-version 3.11 --generate-hashes --extra test pyproject.toml - -o $(LOCK)

.PHONY: run test install assets chromium clamav postgres lint test-sqlite test-postgres bench bench-quick lock lock-upgrade

# uv's sync makes the venv exactly the lock: every file checked against its hash (one that differs stops it),
# anything the lock does not name removed. Then the project itself, built by the locked setuptools; then the
# check that every installed package has what it requires (a lock missing a dependency stops here).
# uv rather than pip: the same checks, and a fresh install in seconds rather than minutes.
UV_INTO_VENV = $(TOOLS)/bin/uv pip --quiet
$(BIN)/.installed: $(LOCK) pyproject.toml $(TOOLS)/.uv-$(UV_VERSION)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(UV_INTO_VENV) sync --python $(BIN)/python --require-hashes $(LOCK)
	$(UV_INTO_VENV) install --python $(BIN)/python --no-deps --no-build-isolation -e .
	$(UV_INTO_VENV) check --python $(BIN)/python
	touch $@

# uv itself, pinned, in a folder of its own so that the app's venv holds the lock and nothing else (put there
# by the venv's pip: a second venv would cost as long again as the whole sync)
$(TOOLS)/.uv-$(UV_VERSION):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	rm -rf $(TOOLS)
	$(BIN)/pip install --quiet --target $(TOOLS) uv==$(UV_VERSION)
	touch $@

lock: $(TOOLS)/.uv-$(UV_VERSION)
	$(UV_COMPILE)

lock-upgrade: $(TOOLS)/.uv-$(UV_VERSION)
	$(UV_COMPILE) --upgrade

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

run: install clamav
	mkdir -p instance
	./clamav/start-clamd.sh instance/clamd >/dev/null  # reused if already running
	CC_ENV=development $(BIN)/flask --app wsgi setup --demo
	@echo "Open http://127.0.0.1:$(PORT)/ (staff sign in at /sign-in); emails are printed here by a local SMTP server; Ctrl-C stops all"
	CC_ENV=development MAIL_HOST=127.0.0.1 MAIL_PORT=$(MAIL_PORT) BASE_URL=http://127.0.0.1:$(PORT) bash -c 'trap "kill 0" EXIT; \
	  $(BIN)/aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) & $(BIN)/flask --app wsgi timers run & \
	  $(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)'

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "Chromium is missing and could not be installed (needs root and apt)"; exit 1; }

# ClamAV's daemon for scanning attachments; the tests start their own with clamav/eicar.hdb (clamav/start-clamd.sh)
clamav:
	@test -x /usr/sbin/clamd || { echo "Installing Debian's clamav-daemon for the attachment scans"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null; }
	@test -x /usr/sbin/clamd || { echo "clamd is missing and could not be installed (needs root and apt)"; exit 1; }

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; sleep 2; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started"; exit 1; }
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS cc_test" -c "CREATE DATABASE cc_test"

lint: install
	$(BIN)/ruff check .

test-sqlite: install chromium clamav
	$(BIN)/pytest -p no:cacheprovider --durations=12

test-postgres: install chromium clamav postgres
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider --durations=12

# The two passes at once, one a core: each has its own databases, clamd, ports and Redis keys. Each pass's
# output is printed whole when it ends (--output-sync), so the two logs never interleave. What they need is
# installed first, one thing at a time (two apt-get at once would fight over dpkg's lock).
test: lint chromium clamav postgres
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

bench: install
	$(BIN)/python bench/all.py

bench-quick: install
	$(BIN)/python bench/all.py --quick
