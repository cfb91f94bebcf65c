# Outpost: the two commands that matter are `make test` and `make demo`.
# Each installs what it is missing first.

SWIFT ?= swift
PYTHON ?= python3
VENV := .build-py
PYMODBUS_VERSION := 3.16.1
PYSERIAL_VERSION := 3.5
# A hung test run prints nothing; cap it well inside CI's limit.
TEST_TIMEOUT ?= 1500
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-system deps-python build release test demo fuzz bench clean

all: build

deps: deps-system deps-python

deps-system:
	@bash provisioning/install-deps.sh

# Python test peers (pymodbus as an independent Modbus implementation, pyserial for its RTU
# side), in a private venv.
deps-python: deps-system
	@if ! $(VENV)/bin/python -c "import serial, pymodbus, sys; sys.exit(pymodbus.__version__ != '$(PYMODBUS_VERSION)')" 2>/dev/null; then \
		echo "deps: creating $(VENV) with pymodbus $(PYMODBUS_VERSION) and pyserial $(PYSERIAL_VERSION)"; \
		$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --quiet --disable-pip-version-check \
			"pymodbus==$(PYMODBUS_VERSION)" "pyserial==$(PYSERIAL_VERSION)"; \
	else \
		echo "deps: $(VENV) has pymodbus $(PYMODBUS_VERSION) and pyserial"; \
	fi

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release

test: build
	OUTPOST_PYTHON=$(CURDIR)/$(VENV)/bin/python timeout --signal=KILL $(TEST_TIMEOUT) $(SWIFT) test --skip-build

# A broker, the hub, simulated devices and agents, running until Ctrl-C.
demo: deps-system
	$(SWIFT) build
	bash scripts/demo.sh

# Coverage-guided fuzzing of the frame decoder for FUZZ_SECONDS; crashers become regression tests.
fuzz: deps-system
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run.sh

bench: release
	.build/release/outpost-bench codec
	.build/release/outpost-bench poll
	.build/release/outpost-bench agent
	.build/release/outpost-bench ingest
	.build/release/outpost-bench query
	.build/release/outpost-bench detect

clean:
	rm -rf .build .build-fuzz $(VENV)
