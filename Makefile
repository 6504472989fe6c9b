# Posylka — the two commands of the README, plus tools for developers.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# three workers on two cores: the browser, crash and server tests spend much of their time waiting
PYTEST_ARGS ?= -n 3 --dist worksteal
export FLASK_APP := wsgi

.PHONY: run test bench bench-quick lint translations

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

## make run: install, upgrade the database, load the demo once, serve on http://127.0.0.1:8000
run: $(VENV)/.run-deps
	$(PY) -m flask db upgrade
	$(PY) -m flask demo-data
	$(PY) wsgi.py

## make test: install the dev tools and run the whole suite (SQLite, plus PostgreSQL with TEST_DATABASE_URL)
# Bytecode is kept even where the environment says not to (PYTHONDONTWRITEBYTECODE=1 on our CI machines):
# the suite starts dozens of app processes (CLI commands, servers, crash tests), each compiling the app again.
test: $(VENV)/.dev-deps
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest $(PYTEST_ARGS)

## make bench: every benchmark in bench/ (not part of make test); see bench/README.md
BENCHES := run.py floor.py saleday.py orders_scale.py sync_bench.py dispatch_bench.py
bench: $(VENV)/.dev-deps
	@status=0; for b in $(BENCHES); do echo "== bench/$$b"; $(PY) bench/$$b || status=1; done; exit $$status

bench-quick: $(VENV)/.dev-deps
	$(PY) bench/run.py --quick

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .

## make translations: extract strings and update the uk/en/pl/ru catalogues
translations: $(VENV)/.dev-deps
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 -k lazy_ngettext:1,2 --add-comments=NOTE --sort-by-file -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete
