# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`, `make worker` and `make beat` share these defaults: development mode (DEBUG=1) on the
# embedded services, unless the environment or .env says otherwise (DEBUG, DATABASE_URL, REDIS_URL...).
RUN_ENV := CODENEST_DEFAULT_DEBUG=1

.PHONY: install run test lint format migrate seed worker beat clean bench-seed bench bench-chat

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "CodeNest is starting on http://$(HOST):$(PORT)/"
	@echo "  API:        http://$(HOST):$(PORT)/api/v1/"
	@echo "  Swagger UI: http://$(HOST):$(PORT)/api/docs/"
	@echo "  ReDoc:      http://$(HOST):$(PORT)/api/redoc/"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/"
	@echo "  Health:     http://$(HOST):$(PORT)/healthz  http://$(HOST):$(PORT)/readyz"
	@echo ""
	$(RUN_ENV) $(PY) -m daphne -b $(HOST) -p $(PORT) codenest.asgi:application

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# List benchmarks (bench/RESULTS.md): on PostgreSQL only, in a database of their own, e.g.
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cn_bench REDIS_URL=redis://127.0.0.1:6379/0
#   make bench-seed    # once, into an empty database: about 15 minutes at BENCH_SCALE=1 on 2 cores
#   make bench         # prints the DRF / hand-written ratio table of the feed and of the other lists
BENCH_SCALE ?= 1
BENCH_REQUESTS ?= 200

bench-seed: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_bench --scale $(BENCH_SCALE)
	$(PY) bench/seed_lists.py --scale $(BENCH_SCALE)

bench: install
	$(PY) bench/feed.py --requests $(BENCH_REQUESTS)
	$(PY) bench/lists.py --requests $(BENCH_REQUESTS)

worker: install
	$(RUN_ENV) $(PY) -m celery -A codenest worker --loglevel=info

beat: install
	$(RUN_ENV) $(PY) -m celery -A codenest beat --loglevel=info

# Chat fan-out against a bare ASGI broadcast server (bench/RESULTS.md, "Chat fan-out"). It migrates and
# adds rows to BENCH_DATABASE_URL: give it a throw-away database (createdb ... codenest_bench).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/codenest_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
BENCH_CHAT_ARGS ?=
bench-chat: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/chat_fanout.py $(BENCH_CHAT_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .test-db.sqlite3 staticfiles
	rm -f celerybeat-schedule*
