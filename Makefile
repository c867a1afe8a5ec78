# Mado: the commands of ../shared/CONTRACT.md ("Commands").
#
#   make demo    install, migrate the embedded SQLite under var/, seed the demo
#                city if empty, serve on 127.0.0.1:${PORT:-8000}
#   make test    the whole test suite (against PostgreSQL when DATABASE_URL is set)
#   make bench   the benchmarks on PostgreSQL (a throwaway cluster under var/bench-pg/
#                when DATABASE_URL is unset); writes bench/results/latest.json
#   make lint    ruff
#   make clean   caches and the throwaway benchmark cluster (never var/mado.sqlite3)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
MADO   := $(VENV)/bin/mado
PORT   ?= 8000
DEMO_PASSWORD = $(or $(MADO_DEMO_PASSWORD),mado-demo-2026)
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo test lint bench clean

help:
	@sed -n '3,10p' Makefile | sed 's/^# \{0,1\}//'

# The virtualenv is created once; the install is redone only when pyproject.toml
# changed since the last one (the stamp file is newer than it otherwise).
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

demo: install
	@mkdir -p var
	$(MADO) migrate --noinput
	$(MADO) seed_demo
	@echo ""
	@echo "================================================================"
	@echo " Mado デモ / demo: http://127.0.0.1:$(PORT)/"
	@echo "   住民向けサイト / resident site  http://127.0.0.1:$(PORT)/"
	@echo "   職員 / staff                    http://127.0.0.1:$(PORT)/staff/"
	@echo "   設定 / admin                    http://127.0.0.1:$(PORT)/admin/"
	@echo " アカウント / accounts (サンプル市):"
	@echo "   admin      管理者 / superuser"
	@echo "   madoguchi  窓口 / counter staff (市民課)"
	@echo "   shimin     審査 / reviewer (市民課)"
	@echo "   hoken      審査 / reviewer (保険年金課)"
	@echo "   kosodate   審査 / reviewer (子育て支援課)"
	@echo "   test-madoguchi  テスト町の窓口 / counter staff of テスト町"
	@echo " パスワード / password: \$$MADO_DEMO_PASSWORD (既定 / default: mado-demo-2026)"
	@echo "   いまの値 / now: $(DEMO_PASSWORD)"
	@echo " API トークン / API token: $(MADO) demo_token madoguchi"
	@echo " 停止は Ctrl+C / stop with Ctrl+C"
	@echo "================================================================"
	$(MADO) runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

# With DATABASE_URL set the benchmarks use that database; otherwise a throwaway
# PostgreSQL cluster under var/bench-pg/ when the binaries exist (it is stopped
# and deleted afterwards, also on failure or Ctrl+C). Without either, bench/run.py
# explains that it needs PostgreSQL.
bench: install
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "DATABASE_URL のデータベースで計測します / benchmarking on DATABASE_URL"; \
		$(PY) bench/run.py $(BENCH_ARGS); \
	elif scripts/pg-throwaway.sh available; then \
		mkdir -p var; \
		scripts/pg-throwaway.sh run var/bench-pg -- $(PY) bench/run.py $(BENCH_ARGS); \
	else \
		$(PY) bench/run.py $(BENCH_ARGS); \
	fi

clean:
	@if [ -f var/bench-pg/cluster.env ]; then scripts/pg-throwaway.sh stop var/bench-pg; fi
	rm -rf .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -print -exec rm -rf {} +
