# Skills Matrix — the README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every package, transitive ones too, pinned: installs are what CI tested (`make lock` refreshes).
LOCK := requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock run worker beat test lint format manifests messages bench contract mutation clean

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[dev]"
	touch $(STAMP)

# Re-resolves every dependency to the newest versions pyproject.toml allows, for Python 3.11
# (the image's), and rewrites the lock; commit it with the change that needed it.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --upgrade --quiet \
		--custom-compile-command "make lock" --output-file $(LOCK)

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py import_role --skip-existing roles/data/mlops-engineer.json
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py import_role --skip-existing roles/data/harbour-works.framework.json
	@# A demo community (demo-* members, proposals at every stage) on a database with no proposals
	@# yet, and only in DEBUG: seed_demo refuses otherwise.
	@case "$${DJANGO_DEBUG:-true}" in true|True|1|yes|on) \
		DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo --if-empty ;; esac
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

# A Celery worker and the beat scheduler (each in its own terminal); both need CELERY_BROKER_URL.
# One beat per site sends: a second one finds beat's lock taken and stands by (skillsmatrix/beat.py).
worker: install
	$(BIN)/celery -A skillsmatrix worker --loglevel=$${LOG_LEVEL:-info}

beat: install
	$(BIN)/celery -A skillsmatrix beat --loglevel=$${LOG_LEVEL:-info} \
		--schedule=$${CELERY_BEAT_SCHEDULE_FILE:-$(VENV)/celerybeat-schedule}

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python tests/lint/complexity.py
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# The Kubernetes manifests (deploy/k8s) rendered and checked against the API schemas, and the
# Dockerfile linted; needs kubectl (tests/deploy/check_manifests.sh).
manifests: install
	BIN=$(BIN) bash tests/deploy/check_manifests.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Throughput ratios against /healthz (DESIGN §8); needs a Redis server (BENCH_REDIS_URL).
bench: install
	$(BIN)/python tests/load/bench.py

# The API contract fuzzed by schemathesis on a live server (uses DATABASE_URL's database).
contract: install
	bash tests/contract/run_schemathesis.sh

# Mutation testing (mutmut; [tool.mutmut] in pyproject.toml) of the grade engine, the proposal
# rules and the role changes, on SQLite, from scratch, two mutants at a time and stopped after
# MUTATION_TIME_BOX; then the score per module, failing when the gated modules score below
# MUTATION_MIN per cent (tests/mutation/).
MUTATION_TIME_BOX ?= 15m
MUTATION_MIN ?= 90
MUTATION_GATED ?= grading/engine.py proposals/rules.py roles/changes/*
mutation: install
	rm -rf mutants
	-env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL \
		timeout --signal=INT --kill-after=30s $(MUTATION_TIME_BOX) $(BIN)/mutmut run --max-children 2
	@echo
	$(BIN)/python tests/mutation/score.py --min $(MUTATION_MIN) $(addprefix --gate ,$(MUTATION_GATED))

# Needs GNU gettext (msgfmt); the compiled .mo files are committed so a fresh clone needs none.
messages: install
	cd roles && ../$(BIN)/django-admin makemessages -l es --no-obsolete
	cd grading && ../$(BIN)/django-admin makemessages -l es --no-obsolete
	cd proposals && ../$(BIN)/django-admin makemessages -l es --no-obsolete
	$(BIN)/python manage.py makemessages -l es --no-obsolete -i roles -i grading -i proposals -i .venv -i staticfiles -i test-artifacts -i mutants
	$(BIN)/python manage.py compilemessages --ignore .venv --ignore mutants

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles mutants
