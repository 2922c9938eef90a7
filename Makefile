# One command per job. Everything installs what it needs into .venv.
SHARED ?= ../shared
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
OPENSEARCH_STAMP := $(VENV)/.opensearch-installed
CHROMIUM := /usr/bin/chromium
MAVEN := /usr/bin/mvn
NPM := /usr/bin/npm
AXE := tests/node_modules/axe-core/axe.min.js

.PHONY: install index run test lint clean eval cluster cluster-stop fuzz

install: $(STAMP)

# What running needs (make run, make index); the test tools (Playwright, schemathesis, ruff ...)
# only for make test and lint, the OpenSearch client for the cluster.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

$(OPENSEARCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[opensearch]'
	touch $(OPENSEARCH_STAMP)

# What `make run` indexes: the five seed articles (corpus/) and the dated newsroom sample, with its
# own spelling variants (samples/README.md).
SAMPLES := corpus samples/newsroom
index: install
	$(BIN)/search index $(SAMPLES) --variants samples/newsroom/variants.tsv --upgrade

run: index
	$(BIN)/search serve --host 127.0.0.1 --port $(PORT)

# The browser tests drive Debian's Chromium (no browser download); installed when root.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	fi

# The OpenSearch cluster's launcher is built by Maven on Debian's JDK 17; installed when root.
$(MAVEN):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q maven openjdk-17-jdk-headless; \
	else \
		echo "the OpenSearch cluster needs Maven and Java 17: sudo apt-get install maven openjdk-17-jdk-headless" >&2; \
		exit 1; \
	fi

# The project's 3-node OpenSearch cluster on 127.0.0.1:9201-9203, data in build/opensearch-cluster.
# The first start builds the launcher (Maven fetches the OpenSearch jars into ~/.m2).
cluster: $(OPENSEARCH_STAMP) $(MAVEN)
	$(BIN)/search cluster start

cluster-stop: $(OPENSEARCH_STAMP)
	$(BIN)/search cluster stop

# The OpenSearch tests start their own cluster on free ports (tests/opensearch_support.py).
test: lint $(CHROMIUM) $(MAVEN) $(AXE)
	$(BIN)/pytest -q

# axe-core, the accessibility audit the browser tests load into each kind of page: from the npm
# registry, at the version tests/package-lock.json pins (never committed, never fetched by a test).
$(AXE): tests/package.json tests/package-lock.json | $(NPM)
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(NPM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; \
	else \
		echo "the accessibility audit needs npm: sudo apt-get install npm" >&2; exit 1; \
	fi

# Style, and the import contracts of pyproject.toml (which way dependencies point).
lint: $(TEST_STAMP)
	$(BIN)/ruff check search web tests bench docs fuzz
	$(BIN)/lint-imports --no-cache

# Fuzzing (issue 22, §6), bounded: each atheris target of fuzz/ (the query parser, the plain-text
# reader, the JSON record reader) for FUZZ_SECONDS from its committed corpus (what it finds goes to
# build/fuzz; `$(BIN)/python fuzz/run.py --merge` adds the new inputs to fuzz/corpus), then
# schemathesis against the live server with FUZZ_EXAMPLES per operation and a random seed
# (`make test` runs it with 40 and a fixed one). FUZZ_PYTEST= adds the OpenSearch backend (a cluster).
# About 3 x FUZZ_SECONDS + 5 minutes.
FUZZ_STAMP := $(VENV)/.fuzz-installed
FUZZ_SECONDS ?= 180
FUZZ_EXAMPLES ?= 400
FUZZ_PYTEST ?= -m "not opensearch"

$(FUZZ_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP)
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)
	SCHEMATHESIS_EXAMPLES=$(FUZZ_EXAMPLES) SCHEMATHESIS_SEED=random \
		$(BIN)/pytest -q -p no:cacheprovider $(FUZZ_PYTEST) tests/test_schemathesis.py

clean:
	rm -rf $(VENV) index/MAIN_* index/_MAIN_* index/search-meta.json

eval: $(TEST_STAMP)
	$(BIN)/python bench/eval.py --shared $(SHARED)

# Speed, memory and relevance beside the peers: bench/RESULTS.md (about 60 minutes on 2 cores);
# bench-large adds the 1M-document corpus (about 120 minutes). BENCH_ARGS=--quick: a small run of
# every code path, written to bench/work/RESULTS-quick.md.
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_ARGS ?=
.PHONY: bench bench-large bench-install bench-startup bench-serve bench-index

bench-install: $(BENCH_STAMP)

$(BENCH_STAMP): pyproject.toml $(STAMP) bench/lucene/LuceneDriver.java
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/install_lucene.py
	touch $(BENCH_STAMP)

bench: bench-install
	$(BIN)/python bench/run.py --shared $(SHARED) $(BENCH_ARGS)
	$(BIN)/python bench/startup.py --shared $(SHARED)
	$(BIN)/python bench/serve_bench.py --shared $(SHARED)
	$(BIN)/python bench/index_bench.py --shared $(SHARED)

# Only the indexing table ("Indexing at scale": Reuters as a folder, one file, gzipped, beside
# stock Whoosh with and without stored text; about 10 minutes).
bench-index: bench-install
	$(BIN)/python bench/index_bench.py --shared $(SHARED)

# Only the command start-up table of bench/RESULTS.md (about 2 minutes).
bench-startup: install
	$(BIN)/python bench/startup.py --shared $(SHARED)

# Only the server's table ("The server on every core"; about 3 minutes with the Reuters build).
bench-serve: bench-install
	$(BIN)/python bench/serve_bench.py --shared $(SHARED)

bench-large: bench-install
	$(BIN)/python bench/run.py --shared $(SHARED) --large $(BENCH_ARGS)
	$(BIN)/python bench/startup.py --shared $(SHARED)

# The engine on a 3-node OpenSearch cluster started on free ports: bench/CLUSTER.md (syn-100k,
# about 20 minutes on 2 cores); BENCH_CLUSTER_ARGS=--large adds syn-1m (hours).
BENCH_CLUSTER_ARGS ?=
.PHONY: bench-cluster
bench-cluster: bench-install $(MAVEN)
	$(BIN)/python bench/cluster_bench.py --shared $(SHARED) $(BENCH_CLUSTER_ARGS)
