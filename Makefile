# Vitals: `make run` and `make test` are the two commands that set everything up.
SHELL := /bin/bash
CONFIG ?= config/vitals.yaml

.PHONY: run build release dist test test-env-start bench fuzz soak abuse clean

## Build in release mode and run the daemon on the embedded default config.
run: release
	.build/release/vitals run --config $(CONFIG)

## The one release build (static Swift runtime) that make run, make dist, the benchmarks,
## make test and the image all use: scripts/build/build-release.sh holds its flags.
release:
	@scripts/build/install-deps.sh build
	scripts/build/build-release.sh

## .build/dist/vitals-VERSION-linux-ARCH.tar.gz: the release binary, config/, probes/, the
## systemd unit, README.md, docs/ and DEBIAN-PACKAGES (the runtime packages it needs).
dist:
	@scripts/build/install-deps.sh build
	scripts/build/dist.sh

build:
	@scripts/build/install-deps.sh build
	swift build

## Start throwaway PostgreSQL, Redis, nginx and Alertmanager on loopback, run `swift test`
## against them, and always stop them.
test:
	@scripts/build/install-deps.sh test
	@scripts/checks/run-tests.sh

## Benchmarks/run.sh: the benchmarks Benchmarks/index.tsv marks `bench` (spec section 10's);
## `Benchmarks/run.sh NAME...` runs any other row of it (docs/benchmarks.md).
bench: release
	@scripts/build/install-deps.sh bench
	Benchmarks/run.sh

## Benchmarks/soak.sh: 2,000 components at 1 s against healthy, refused, hung, reset and slow
## targets for SOAK_SECONDS; says whether RSS and open fds stay flat.
SOAK_SECONDS ?= 600
soak: release
	DURATION=$(SOAK_SECONDS) Benchmarks/soak.sh

## Benchmarks/abuse.sh: the soak's 2,000 components with SQLite at retention 30s while clients
## pipeline without reading and a Redis peer declares huge aggregates, for ABUSE_SECONDS; RSS,
## threads, fds, VmPTE and the results table at the start and the end.
ABUSE_SECONDS ?= 600
abuse: release
	@scripts/build/install-deps.sh bench
	DURATION=$(ABUSE_SECONDS) Benchmarks/abuse.sh

## libFuzzer on the config loader, perfdata, Redis replies, the HTTP request pipeline and DNS replies:
## FUZZ_SECONDS each (make test runs each for a few seconds).
FUZZ_SECONDS ?= 300
fuzz:
	@scripts/build/install-deps.sh build
	scripts/checks/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
