# Kindred: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both set everything up on a fresh machine; nothing here relies on a step done by hand.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test venv migrate demo lint fmt clean browser bench messages translations

# Python >= 3.12: an explicit $$PYTHON, else the first suitable interpreter on this machine.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

$(STAMP): requirements.lock
	@test -n "$(PYTHON)" || { echo "Kindred needs Python >= 3.12: install it, or run 'make PYTHON=/path/to/python3.12'"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $(STAMP)

venv: $(STAMP)

# Translations (docs/translation.md): each locale/<lang>/LC_MESSAGES/*.po is compiled into the
# .mo file Django reads, whenever the .po is newer; the .mo files are not committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po
	@msgfmt=$$(.ci/find-msgfmt) && $$msgfmt --check-format -o $@ $<

messages: $(MO_FILES)

# After adding or changing strings: extract them into every catalogue (new ones come in empty,
# changed ones fuzzy), then translate those entries (docs/translation.md).
translations: venv
	@.ci/find-msgfmt >/dev/null
	$(PY) manage.py makemessages --all --no-obsolete --no-location --ignore=.venv --ignore=staticfiles \
	  --ignore=bench --ignore=tests --ignore=var

# `make run` (through migrate) and `make test` compile them first.
migrate: venv messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: migrate
	$(PY) manage.py seed_demo

# Daphne serves; the scheduler process runs the timers next to it (bans and suspensions end,
# support requests escalate; docs/decisions/0070-timed-work.md) and stops when daphne does.
# A background job of a script ignores Ctrl-C until the scheduler sets its own handler, so the
# trap stops it with SIGTERM whatever the moment.
# Calls need a TURN relay: where the machine has coturn, a local one on 127.0.0.1 (its secret
# generated once into var/turn_secret, unless TURN_SECRET is set); without it calls are off.
# The matching escrow service (docs/decisions/0080-matching-escrow.md) runs next to them too,
# with its own key (ESCROW_OPRF_KEY, or one generated into var/escrow/ in embedded mode); in
# production it runs on a host of its own.
TURN_PORT ?= 3478
run: demo
	@$(PY) manage.py run_huey & scheduler=$$!; relay=; \
	$(PY) manage.py run_matching_escrow & escrow=$$!; \
	if [ -x /usr/bin/turnserver ]; then \
	  export TURN_URLS="$${TURN_URLS:-turn:127.0.0.1:$(TURN_PORT)?transport=udp}"; \
	  $(PY) manage.py run_turn --port $(TURN_PORT) & relay=$$!; \
	  echo "Calls: TURN relay process $$relay (coturn on 127.0.0.1:$(TURN_PORT))"; \
	else \
	  echo "Calls are off: this machine has no coturn (/usr/bin/turnserver; Debian: apt-get install coturn)"; \
	fi; \
	trap 'kill -TERM $$scheduler $$escrow $$relay 2>/dev/null; wait $$scheduler $$escrow $$relay' EXIT; \
	echo "Timers: scheduler process $$scheduler (manage.py run_huey)"; \
	echo "Matching escrow: process $$escrow (manage.py run_matching_escrow)"; \
	$(PY) -m daphne -b $(HOST) -p $(PORT) config.asgi:application

browser:
	@.ci/find-chromium >/dev/null
	@.ci/find-coturn >/dev/null || true

test: venv browser messages
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	@# Browser tests: one process, one live daphne server, one Chromium. Playwright's sync API
	@# keeps an event loop in its thread, so they never share a process with async tests.
	CHROMIUM="$$(.ci/find-chromium)" $(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The measurements in docs/performance.md (they load both cores: run them on an idle machine).
# Production mode needs PostgreSQL and Redis on 127.0.0.1 (database kindred_bench, Redis DB 15).
# Each prints a JSON report and keeps it in bench/results/.
bench: venv
	$(PY) -m bench.room_load --mode embedded --members 200 --rate 150 --seconds 60
	$(PY) -m bench.room_load --mode production --procs 2 --members 200 --rate 150 --seconds 60
	$(PY) -m bench.persisted_sends --mode production --procs 2 --members 50 --rate 300 --seconds 30
	$(PY) -m bench.reconnect_storm --mode embedded --clients 1000
	$(PY) -m bench.reconnect_storm --mode production --procs 2 --clients 1000
	$(PY) -m bench.idle_sockets --sockets 5000
	$(PY) -m bench.call_mesh --mode embedded --media video
	$(PY) -m bench.call_mesh --mode embedded --media voice
	$(PY) -m bench.call_mesh --mode production --procs 2 --media video
	$(PY) -m bench.call_mesh --mode production --procs 2 --media voice

clean:
	rm -rf $(VENV) staticfiles $(MO_FILES)
