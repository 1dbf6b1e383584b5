# AskDB — the README's commands. `make lab` runs the product, `make test` runs the tests;
# both do all set-up on a fresh machine first (virtualenv, package, labextension, demo data).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
DEMO_DB := notebooks/demo.db
# The package build runs jlpm and jupyter-builder from the virtualenv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup lab test test-fast demo-db browser hub-deps lint bench clean

## setup: create .venv and install AskDB (server extension, kernel magics, labextension build)
setup: $(VENV)/.askdb-installed

# The labextension's sources too: the install builds it and copies it into the virtualenv,
# so a changed panel is rebuilt and reinstalled before the browser tests use it.
LABEXT_SOURCES := $(shell find labext/src labext/style -type f 2>/dev/null)

$(VENV)/.askdb-installed: pyproject.toml labext/package.json labext/yarn.lock $(LABEXT_SOURCES)
	@echo "Setting up $(VENV) (first run: a few minutes)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "hatchling>=1.21" "hatch-jupyter-builder>=0.9" editables "jupyterlab>=4.6,<5"
	$(BIN)/python -m pip install --no-build-isolation -e ".[test]"
	touch $@

## demo-db: the demo shop database used by the quickstart notebook
demo-db: setup $(DEMO_DB)

$(DEMO_DB):
	$(BIN)/askdb demo-db $(DEMO_DB)

## browser: Debian's Chromium for the browser tests (root on these machines)
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## hub-deps: configurable-http-proxy (npm) for the JupyterHub test, in tests/e2e/.chp
CHP := tests/e2e/.chp/node_modules/.bin/configurable-http-proxy
hub-deps: $(CHP)

$(CHP):
	npm install --silent --prefer-offline --no-audit --no-fund --prefix tests/e2e/.chp configurable-http-proxy@5

## lab: run JupyterLab on 127.0.0.1 with the quickstart notebook
lab: setup demo-db
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/quickstart.ipynb

## test: the whole suite (needs PostgreSQL at 127.0.0.1:5432 and MariaDB at 127.0.0.1:3306)
test: setup demo-db browser hub-deps
	cd labext && jlpm test
	$(BIN)/python -m pytest -ra

## lint: formatting, lint rules, types, import cycles (Python) and eslint + prettier (labext)
lint: setup
	$(BIN)/ruff format --check server_ext kernel tests .ci
	$(BIN)/ruff check server_ext kernel tests .ci
	$(BIN)/mypy
	$(BIN)/python .ci/import_cycles.py
	cd labext && jlpm lint

clean:
	rm -rf $(VENV) server_ext/askdb_server/labextension labext/lib labext/node_modules $(DEMO_DB)
