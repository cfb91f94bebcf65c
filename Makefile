# Outpost: the two commands that matter are `make test` and `make demo`.
# Each installs what it is missing first.

SWIFT ?= swift
PYTHON ?= python3
VENV := .build-py
PYMODBUS_VERSION := 3.16.1
PYSERIAL_VERSION := 3.5
SELENIUM_VERSION := 4.51.0
SPEC_VALIDATOR_VERSION := 0.9.0
SCHEMATHESIS_VERSION := 4.32.5
PROMETHEUS_CLIENT_VERSION := 0.7.2
# A hung test run prints nothing; cap it well inside CI's limit.
TEST_TIMEOUT ?= 1500
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-system deps-python deps-versus deps-package build release lint test demo fuzz bench \
	package package-test clean

all: build

deps: deps-system deps-python

deps-system:
	@bash provisioning/install-deps.sh

# Python test peers, in a private venv: pymodbus as an independent Modbus implementation,
# pyserial for its RTU side, selenium to drive Chromium through the dashboard,
# openapi-spec-validator for openapi.yaml, schemathesis to test the API from it, and
# prometheus-api-client to query the hub's Prometheus API as Python users do.
deps-python: deps-system
	@if ! $(VENV)/bin/python -c "import serial, pymodbus, selenium, openapi_spec_validator, yaml, schemathesis, prometheus_api_client, sys; sys.exit(pymodbus.__version__ != '$(PYMODBUS_VERSION)' or selenium.__version__ != '$(SELENIUM_VERSION)' or schemathesis.__version__ != '$(SCHEMATHESIS_VERSION)' or prometheus_api_client.__version__ != '$(PROMETHEUS_CLIENT_VERSION)')" 2>/dev/null; then \
		echo "deps: filling $(VENV): pymodbus $(PYMODBUS_VERSION), pyserial $(PYSERIAL_VERSION), selenium $(SELENIUM_VERSION), openapi-spec-validator $(SPEC_VALIDATOR_VERSION), schemathesis $(SCHEMATHESIS_VERSION)"; \
		$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --quiet --disable-pip-version-check \
			"pymodbus==$(PYMODBUS_VERSION)" "pyserial==$(PYSERIAL_VERSION)" "selenium==$(SELENIUM_VERSION)" \
			"openapi-spec-validator==$(SPEC_VALIDATOR_VERSION)" "schemathesis==$(SCHEMATHESIS_VERSION)" \
			"prometheus-api-client==$(PROMETHEUS_CLIENT_VERSION)" pyyaml; \
	else \
		echo "deps: $(VENV) has its test peers"; \
	fi

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release

# The style the code is written in (.swift-format), checked before anything is built.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

# Three runs: the agent's tests (in-process sources on tight schedules); the command-line and
# attack-replay tests (each blocks a thread while a binary or curl runs); and the rest, whose tests
# drive real processes (hub, broker, Chromium) and hold Swift's cooperative threads while they
# wait. On 2 cores, together, the sources' schedules and the system tests' sockets starve.
# Then the packages, from an unoptimised static build begun beside the debug build at idle priority,
# installed, upgraded, removed and purged on a clean Debian 12 root (scripts/test.sh says how).
BLOCKING_TESTS := OutpostCLITests|AttackReplayTests|CredentialLifetimeTests|ProvisioningDoorTests
test: lint deps deps-package
	SWIFT=$(SWIFT) OUTPOST_PYTHON=$(CURDIR)/$(VENV)/bin/python TEST_TIMEOUT=$(TEST_TIMEOUT) \
		BLOCKING_TESTS='$(BLOCKING_TESTS)' bash scripts/test.sh

# A broker, the hub, simulated devices and agents, running until Ctrl-C.
demo: deps-system
	$(SWIFT) build
	bash scripts/demo.sh

# Debian packages in dist/ (docs/packaging.md): outpost-agent, outpost-hub, outpostctl and
# outpost-hardware, built by debhelper from debian/ with the Swift runtime linked in, then checked
# by lintian. dpkg-buildpackage -d: the Swift toolchain is not a Debian package (deps-system
# installs the libraries). PACKAGE_CONFIG=debug packages an unoptimised build, compressed with
# gzip -1 rather than xz: what `make test` checks, in minutes rather than a quarter of an hour.
PACKAGE_CONFIG ?= release
PACKAGE_COMPRESSION := $(if $(filter debug,$(PACKAGE_CONFIG)),DPKG_DEB_COMPRESSOR_TYPE=gzip DPKG_DEB_COMPRESSOR_LEVEL=1)
deps-package:
	@bash provisioning/install-deps.sh packaging

package: deps-package
	rm -rf dist && mkdir -p dist
	OUTPOST_BUILD_CONFIG=$(PACKAGE_CONFIG) DEB_BUILD_OPTIONS=noddebs $(PACKAGE_COMPRESSION) dpkg-buildpackage -b -uc -us -d
	version=$$(dpkg-parsechangelog -S Version) && \
		mv ../outpost-agent_$${version}_*.deb ../outpost-hub_$${version}_*.deb ../outpostctl_$${version}_*.deb \
			../outpost-hardware_$${version}_all.deb ../outpost_$${version}_*.buildinfo ../outpost_$${version}_*.changes dist/
	lintian --fail-on error,warning --info dist/*.changes

# Install, upgrade, remove and purge the packages on a clean Debian 12 root (debootstrap).
package-test: package
	bash scripts/package-test.sh

# Coverage-guided fuzzing of every parser of outside input (frames, acknowledgements, agent.toml,
# hub.toml, profiles and boards, NMEA, serial lines, Modbus registers, CSV) for FUZZ_SECONDS
# each (FUZZ_TARGETS picks some); what breaks one is kept in Fuzz/corpus and replayed by make test.
fuzz: deps-system
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run.sh

# The stores `outpost-bench versus` measures the hub against, from Debian; only `make bench`
# needs them, so `make test` and CI do not install two databases.
deps-versus:
	@command -v victoria-metrics >/dev/null && command -v influxd >/dev/null || \
		($(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq --no-install-recommends \
			victoria-metrics influxdb)

bench: release deps-versus
	.build/release/outpost-bench codec
	.build/release/outpost-bench poll
	.build/release/outpost-bench agent
	.build/release/outpost-bench ingest
	.build/release/outpost-bench ingest --store postgres
	.build/release/outpost-bench ingest --store postgres --replicas 2
	.build/release/outpost-bench query
	.build/release/outpost-bench query --store postgres
	.build/release/outpost-bench detect
	.build/release/outpost-bench api
	.build/release/outpost-bench fleet
	.build/release/outpost-bench versus

clean:
	rm -rf .build .build-fuzz $(VENV) dist
