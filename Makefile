# Two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint serve backup restore bench loadtest clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# `make run` serves the demo the way people will see it: DEBUG off, so a page someone may not see
# answers the Persian 404/403 page and never Django's technical one listing every URL; static
# files come from the collected build through WhiteNoise; plain HTTP on this machine (no HTTPS
# redirect, HSTS or Secure cookies). A local secret key is made once in var/. RUN_DEBUG=true
# brings Django's debug pages back for development. The database steps run as before.
RUN_DEBUG ?= false
RUN_ENV = DJANGO_DEBUG=$(RUN_DEBUG) DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_HSTS_SECONDS=0 \
	DJANGO_SECURE_COOKIES=false DJANGO_LOG_FORMAT=$${DJANGO_LOG_FORMAT:-plain} \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/local-secret-key)}"

# The background worker (README, "Background worker") runs beside the web server: Ctrl-C reaches
# both (one process group), and the trap stops the worker whenever the server ends.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	mkdir -p var
	test -s var/local-secret-key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/local-secret-key
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "Demo accounts (password karaj1399): admin, office, head_<slug>, member_<slug>, expert_r01, expert_o06"
	@echo "  workgroup slugs: planning finance urbanism civil transport services social"
	@echo "Serving on http://$(HOST):$(PORT)/ with the background worker (Ctrl-C stops both)"
	@$(RUN_ENV) $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# Production: gunicorn behind a reverse proxy; static files served by WhiteNoise (README,
# "Production deployment"). Workers: $WEB_CONCURRENCY, else 2 x cores + 1, at most 9. The app
# writes its own JSON access log; ACCESS_LOG=- adds gunicorn's. TIMEOUT covers the slowest
# request (an Excel import or export); keep the proxy's read timeout above it. No control
# socket: it is not used, and two instances on one machine would share its path in $HOME.
WORKERS ?= $(or $(WEB_CONCURRENCY),$(shell n=$$(nproc 2>/dev/null || echo 1); w=$$((2 * n + 1)); [ $$w -gt 9 ] && w=9; echo $$w))
TIMEOUT ?= 120
ACCESS_LOG ?=
serve: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	exec $(VENV)/bin/gunicorn karaj_budget.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--timeout $(TIMEOUT) --graceful-timeout 30 --max-requests 1000 --max-requests-jitter 100 \
		--no-control-socket $(if $(ACCESS_LOG),--access-logfile $(ACCESS_LOG))

# Backups (README, "Backups"): `make backup` writes var/backups/ (or $KARAJ_BACKUP_DIR),
# `make backup FILE=x` writes x; `make restore FILE=x` asks before replacing the database.
backup: $(VENV)/.runtime
	$(PY) manage.py backup_db $(if $(FILE),--output "$(FILE)")

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup"; exit 2; }
	$(PY) manage.py restore_db "$(FILE)"

# Benchmarks (docs/performance.md), not part of `make test`: every bench/*.py in turn, each
# printing its figures and the floor or target it compares against. A throwaway SQLite database
# by default; BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench runs them on
# PostgreSQL (databases named bench*, or test_bench*, created and emptied by the scripts).
# DATABASE_URL is ignored here, so a benchmark never writes into a real database.
bench: $(VENV)/.dev
	@for script in bench/[!_]*.py; do \
		echo "== $$script"; \
		$(if $(BENCH_DATABASE_URL),$(PY) bench/_fresh_database.py $(BENCH_DATABASE_URL) || exit 1;) \
		env -u DATABASE_URL $(if $(BENCH_DATABASE_URL),DATABASE_URL=$(BENCH_DATABASE_URL)) $(PY) $$script || exit 1; \
		echo; \
	done

# Load test (docs/performance.md): gunicorn + PostgreSQL under 46 simulated people for 2 minutes
# (bench/load/). Locust lives in its own virtualenv: it brings gevent, Flask and requests, which
# the app and its tests must not depend on by accident. LOAD_DATABASE_URL names the throwaway
# database (default postgres://postgres@127.0.0.1:5432/karaj_load), dropped and recreated; any
# other name needs LOAD_DROP=<that name> too, so a mistyped URL cannot empty a real database.
LOAD_VENV ?= .venv-load
$(LOAD_VENV)/.installed: requirements-load.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet --upgrade pip
	$(LOAD_VENV)/bin/pip install --quiet -r requirements-load.txt
	touch $@

loadtest: $(VENV)/.runtime $(LOAD_VENV)/.installed
	$(PY) bench/load/run.py $(if $(WORKERS_LOAD),--workers $(WORKERS_LOAD)) $(if $(LOAD_DROP),--drop-database $(LOAD_DROP))

clean:
	rm -rf $(VENV) $(LOAD_VENV) staticfiles test-artifacts
