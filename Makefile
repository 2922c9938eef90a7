# One command per job. Everything installs what it needs into .venv.
SHARED ?= ../shared
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

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
	$(BIN)/search serve --host 127.0.0.1 --port $(PORT)

# The browser tests drive Debian's Chromium (no browser download); installed when root.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	fi

test: install $(CHROMIUM)
	$(BIN)/ruff check search web tests bench
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check search web tests bench

clean:
	rm -rf $(VENV) index/MAIN_* index/_MAIN_* index/search-meta.json

eval: install
	$(BIN)/python bench/eval.py --shared $(SHARED)
