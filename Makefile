# SMS developer entry points. Every target first runs scripts/install-deps, which returns at
# once when every Debian package is already installed.
#
#   make build   Release build in build/: build/bin/smsd, build/bin/sms-agent
#   make test    Release build of smsd and sms-agent in build/ (it must compile), ASan+UBSan
#                Debug build in build-asan/ that counts coverage, the images and Traefik (make
#                test-images), then every test through ctest with the real engines
#                (scripts/services) started for the run and stopped after it, then the coverage
#                line (HTML report: build-asan/coverage/index.html)
#   make package Release build, then .deb packages of smsd and sms-agent with their systemd units
#                in build/packages/ (deploy/debian; docs/DEPLOY.md, "One host")
#   make run     Release build, then smsd (embedded, ./data) and one sms-agent; Ctrl-C stops both
#   make screenshots  Release build, then docs/screenshots/*.png of the dashboard (Chromium)
#   make bench   Release build, then bench/run.sh
#   make bench-distributed   Release build, then bench/distributed.sh (engines included)
#   make bench-callgrind     Release build, then instructions per heartbeat (bench/callgrind.sh)
#   make soak    Release build, then bench/soak.sh: 10 000 agents at 1 s for 10 min on each shape
#                (~25 min; SMS_SOAK_SECONDS shortens it)
#   make fuzz    clang build in build-fuzz/, then each libFuzzer target for FUZZ_SECONDS (60)
#   make clean   removes build/ and build-asan/ (./data is left alone)
#
# Knobs: TARGETS='a b' builds only those targets; CTEST_ARGS='-R agent' narrows the tests;
# JOBS=n sets build parallelism (default: nproc).

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
DATA_DIR ?= ./data
JOBS ?= $(shell nproc)
TARGETS ?=
CTEST_ARGS ?=
# The share of lines of src/ and agent/ a full `make test` must cover (scripts/coverage).
COVERAGE_MIN ?= 90
# The real engines `make test` starts (scripts/services) and stops again afterwards.
SERVICES ?= postgres redis kafka opensearch mailpit

SMS_URL := http://127.0.0.1:8080
# ccache: paths relative to the checkout and no working directory in the hash, so that a fresh
# clone in another folder reuses what any earlier build compiled; the locale (the language of
# diagnostics) left out too, so that the image build (deploy/Dockerfile, no locale) reuses it;
# and for the coverage build (SMS_COVERAGE) the working directory that GCC writes into each .gcno:
# gcovr finds the sources by their paths relative to the build dir, which ccache makes relative.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_SLOPPINESS := locale,gcno_cwd
BUILD_TARGETS = $(if $(strip $(TARGETS)),--target $(TARGETS))

.PHONY: deps build package test test-build test-images test-run run screenshots bench \
	bench-distributed bench-callgrind soak fuzz clean

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMS_TESTS=OFF
	cmake --build $(BUILD_DIR) --parallel $(JOBS) $(BUILD_TARGETS)

# The packages, built by cpack from the Release tree (deploy/debian/package.cmake).
PACKAGE_DIR = $(abspath $(BUILD_DIR))/packages
CPACK = cd $(BUILD_DIR) && cpack -G DEB -B $(PACKAGE_DIR) >/dev/null && ls -l $(PACKAGE_DIR)/*.deb

package: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMS_TESTS=OFF
	cmake --build $(BUILD_DIR) --parallel $(JOBS) --target smsd sms-agent
	$(CPACK)

test: test-build test-images test-run

# The parts of `make test` (.ci/run times each on its own).
test-build: deps
	# The Release binaries of make run, too: -O3 warns where -O0 does not, and warnings are errors.
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMS_TESTS=OFF
	cmake --build $(BUILD_DIR) --parallel $(JOBS) --target smsd sms-agent
	# ...and their packages, which the deploy_package test installs into a container.
	$(CPACK)
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSMS_SANITIZE=ON -DSMS_TESTS=ON \
	  -DSMS_COVERAGE=ON -DSMS_PACKAGE_DIR=$(PACKAGE_DIR)
	cmake --build $(ASAN_DIR) --parallel $(JOBS) $(BUILD_TARGETS)

# What tests/deploy/test_gateway.py runs, built when missing or out of date: the images of
# deploy/Dockerfile with podman (scripts/images; the compile reuses build/'s ccache) and Traefik
# from its Go module source (scripts/traefik, ~10 min once, then cached).
test-images: deps
	scripts/images
	scripts/traefik

# The ASan build counts lines and branches too (SMS_COVERAGE): the counters are reset before
# ctest, and scripts/coverage prints `coverage: lines NN.N% (covered/total), branches NN.N%`
# after it and writes $(ASAN_DIR)/coverage/index.html. A full run (no CTEST_ARGS) fails below
# COVERAGE_MIN % of lines; a failed test fails the run as before. The run ends with ctest's
# summary, repeated from its log below the coverage line.
CTEST_LOG = $(ASAN_DIR)/Testing/ctest-output.log
test-run: deps
	scripts/coverage reset $(ASAN_DIR)
	@rc=0; rm -f $(CTEST_LOG); scripts/services run $(SERVICES) -- \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j2 -O $(CTEST_LOG) $(CTEST_ARGS) || \
	  rc=$$?; \
	scripts/coverage report $(ASAN_DIR) $(if $(strip $(CTEST_ARGS)),,$(COVERAGE_MIN)) || \
	  { [ $$rc -ne 0 ] || rc=1; }; \
	[ $$rc -eq 0 ] || echo "make test: failed (exit $$rc)" >&2; \
	echo; sed -n '/tests passed, .* tests\{0,1\} failed out of/,$$p' $(CTEST_LOG) 2>/dev/null; \
	exit $$rc

# smsd runs in the background; the agent lives only as long as smsd does. Ctrl-C (or smsd
# exiting) stops both. The agent starts once /healthz answers, or after 10 s regardless.
run: build
	@mkdir -p $(DATA_DIR)
	@$(BUILD_DIR)/bin/smsd all --data-dir $(DATA_DIR) & smsd=$$!; agent=; \
	stop() { trap - INT TERM EXIT; kill $$agent $$smsd 2>/dev/null; wait; }; \
	trap 'stop; exit 0' INT TERM; trap stop EXIT; \
	for _ in $$(seq 1 100); do \
	  curl -sf $(SMS_URL)/healthz >/dev/null && break; \
	  kill -0 $$smsd 2>/dev/null || break; sleep 0.1; \
	done; \
	$(BUILD_DIR)/bin/sms-agent --url $(SMS_URL)/healthcheck & agent=$$!; \
	echo; \
	echo "  API      $(SMS_URL)/api/v1/servers (log in: POST $(SMS_URL)/api/v1/auth/login)"; \
	echo "  docs     $(SMS_URL)/docs"; \
	if [ -z "$$SMS_ADMIN_USER" ]; then \
	  echo "  login    user admin, password in $(DATA_DIR)/initial-admin-password"; fi; \
	echo "  metrics  $(SMS_URL)/metrics"; \
	echo "  healthz  $(SMS_URL)/healthz"; \
	echo "  smsd pid $$smsd, sms-agent pid $$agent; Ctrl-C stops both"; \
	echo; \
	wait $$smsd

bench: build
	@if [ -f bench/run.sh ]; then SMS_BIN=$(BUILD_DIR)/bin bash bench/run.sh; \
	else echo "bench/run.sh does not exist yet" >&2; exit 1; fi

# The same end-to-end measurement through Kafka, PostgreSQL, Redis and OpenSearch (started by
# scripts/services and left running), next to the embedded shape; then worker batch sizes.
# The dashboard's pictures in docs/screenshots (overview, servers, server, reports, alerts, a
# phone's overview), from a real smsd with a small live fleet (tests/web/screenshots.py).
screenshots: build
	/usr/bin/python3 tests/web/screenshots.py --smsd $(BUILD_DIR)/bin/smsd --agent $(BUILD_DIR)/bin/sms-agent \
	  --out docs/screenshots

bench-distributed: build
	SMS_BIN=$(BUILD_DIR)/bin bash bench/distributed.sh

# User-space instructions per heartbeat under valgrind's callgrind, by component: a figure that
# does not move with the machine's load (docs/BENCHMARKS.md, "CPU per heartbeat, counted").
bench-callgrind: build
	SMS_BIN=$(BUILD_DIR)/bin bash bench/callgrind.sh ingest
	SMS_BIN=$(BUILD_DIR)/bin bash bench/callgrind.sh e2e

# The soak of the benchmarks (docs/BENCHMARKS.md): 10 000 agents beating every second for 10 min
# on the embedded shape, then 10 min on the engines, sampling RSS, open files, data size and lag.
# Its own target, not part of `make bench`: with the engines' start-up it takes ~25 min where
# `make bench` takes a few, and it answers another question (does anything grow with time) than
# the throughput figures.
soak: build
	SMS_BIN=$(BUILD_DIR)/bin bash bench/soak.sh

# libFuzzer on every parser that reads outside input (fuzz/run.sh; docs/FUZZING.md).
FUZZ_SECONDS ?= 60
fuzz: deps
	fuzz/run.sh $(FUZZ_SECONDS)

clean: deps
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
