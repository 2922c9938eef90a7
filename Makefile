# One command per job. Everything installs what it needs into .venv.
SHARED ?= ../shared
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install index run test lint clean eval

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

index: install
	$(BIN)/search index corpus

run: index
	$(BIN)/search "Amraam"

test: install
	$(BIN)/ruff check search web tests bench
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check search web tests bench

clean:
	rm -rf $(VENV) index/MAIN_* index/_MAIN_* index/search-meta.json

eval: install
	$(BIN)/python bench/eval.py --shared $(SHARED)
