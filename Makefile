# Entrypoint Toolkit. `make demo` and `make test` work on a fresh Debian machine: they install what is missing.

SWIFT        ?= swift
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -static-executable -Xlinker -s
TOOLS         = entrypoint templater wait-for
DIST          = dist

.PHONY: all build check test test-unit test-servers test-stack test-containers lint lint-format lint-images \
        lint-scripts lint-deploy format dist bench demo fuzz fuzz-short clean deps

all: build

build:
	$(SWIFT) build

# The inner loop: build, unit and end-to-end tests, format lint. No servers, no installs beyond the oracles.
check: deps-oracles build lint-format
	$(SWIFT) test --skip ServerTests

# Everything, on a fresh machine included.
test: deps check fuzz-short dist test-servers lint-images lint-scripts lint-deploy test-stack test-containers

deps: deps-oracles
	scripts/install-deps.sh servers peers lint python

deps-oracles:
	scripts/install-deps.sh oracles

# Probes and entrypoint behaviour against real MariaDB, PostgreSQL, nginx, httpd and haproxy.
test-servers: dist
	TOOLKIT_DIST=$(CURDIR)/$(DIST) $(SWIFT) test --filter ServerTests

# The HA stack on 127.0.0.1 with real servers, every one started through dist/entrypoint.
test-stack: dist
	scripts/test-stack.sh

# The images and the compose stack on a local Docker engine (skips with a reason when none can start).
test-containers: dist
	scripts/test-containers.sh

lint: lint-format lint-images lint-scripts

lint-format:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

lint-images:
	scripts/lint-images.sh

# Every shell script under scripts/ and the CI entry point; -x follows the files they source.
lint-scripts:
	shellcheck -x .ci/run $$(find scripts -name '*.sh' | sort)

# deploy/ checked offline: Kubernetes 1.37's API schemas, the Compose schema, manifests against
# templates/ and images/, and every check shown to fail on a broken copy (scripts/lint-deploy.sh).
lint-deploy: build
	scripts/lint-deploy.sh

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

# Fully static, stripped release binaries.
dist:
	# One product per invocation: `swift build` honours only the last of several --product flags.
	for t in $(TOOLS); do $(SWIFT) build $(RELEASE_FLAGS) --product $$t || exit 1; done
	mkdir -p $(DIST)
	for t in $(TOOLS); do install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/$$t" $(DIST)/$$t || exit 1; done
	ln -sf entrypoint $(DIST)/envsubst
	@for t in $(TOOLS); do printf '%s: %s bytes, ' $$t $$(stat -c %s $(DIST)/$$t); ldd $(DIST)/$$t 2>&1 | tr -d '\t'; done

bench: dist
	scripts/install-deps.sh oracles peers python
	scripts/bench.sh

demo: dist
	scripts/demo.sh

# libFuzzer targets (Fuzz/): FUZZ_SECONDS per target; `make test` runs each for 20 seconds.
fuzz:
	scripts/fuzz.sh $${FUZZ_SECONDS:-600}

# A fixed seed: the same inputs on every run (see scripts/fuzz.sh).
fuzz-short:
	FUZZ_SEED=1 scripts/fuzz.sh 20

clean:
	rm -rf .build $(DIST)
