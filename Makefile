# Offload — the two commands: `make demo` runs it, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
OFFLOAD := .venv/bin/offload
PYTEST_ARGS ?= -n 2

.PHONY: help demo test venv venv-dev lint typecheck bench clean

help:
	@echo "make demo   install, migrate, load the demo world and run Offload at http://127.0.0.1:8000"
	@echo "make test   install test dependencies and run the whole suite (PostgreSQL if DATABASE_URL is set)"
	@echo "make lint   ruff and mypy"

venv:
	@scripts/bootstrap

venv-dev:
	@scripts/bootstrap --dev

demo: venv
	@$(OFFLOAD) demo

test: venv-dev
	@scripts/test-deps
	.venv/bin/pytest $(PYTEST_ARGS)

lint: venv-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy offload

clean:
	rm -rf .venv .tools var
