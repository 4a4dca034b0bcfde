# The municipality platform: `make start` sets up and runs everything,
# `make test` runs the test suite. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints.txt

# Debian packages the platform needs to run, and the ones only its tests need.
DEBIAN_RUNTIME := fonts-dejavu-core tesseract-ocr tesseract-ocr-ell tesseract-ocr-grc poppler-utils
DEBIAN_TEST := chromium softhsm2 postgresql
DEBIAN_ALL := $(DEBIAN_RUNTIME) $(DEBIAN_TEST)
DEBIAN_PACKAGES ?= $(DEBIAN_ALL)

export zope_i18n_compile_mo_files := true

.PHONY: help
help: ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

.PHONY: system-deps
system-deps: ## Install the Debian packages (as root), or print the apt-get line
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "Missing Debian packages. Run as root:"; \
	  echo "  apt-get install -y$$missing"; \
	  exit 1; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python setup.py $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) pip setuptools wheel
	$(PIP) install -q -c $(CONSTRAINTS) -e ".[test,lint]"
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install the pinned packages
	@$(MAKE) -s system-deps DEBIAN_PACKAGES="$(DEBIAN_RUNTIME)"

.PHONY: instance
instance: install ## Write instance/etc/ from instance.yaml
	$(BIN)/python scripts/control.py instance

.PHONY: start
start: install ## Install, create the site with demo content, start Plone and the simulators
	$(BIN)/python scripts/control.py start
	@$(MAKE) -s demo-archive

.PHONY: demo-archive
demo-archive: ## Scan, OCR and ingest the demo archive's decisions into the running site
	$(BIN)/python -m municipality.archive.demo

.PHONY: stop
stop: ## Stop what `make start` started
	@if [ -x $(BIN)/python ]; then $(BIN)/python scripts/control.py stop; fi

.PHONY: status
status: ## Which processes are running
	@$(BIN)/python scripts/control.py status

.PHONY: test
test: install ## Run the test suite (Debian test packages installed first, as root)
	@$(MAKE) -s system-deps DEBIAN_PACKAGES="$(DEBIAN_TEST)"
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, zpretty and check-manifest
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	find src -name '*.zcml' -o -name '*.xml' | grep -v '/locales/' | xargs $(BIN)/zpretty --check
	$(BIN)/check-manifest --no-build-isolation

.PHONY: format
format: install ## Format the code with ruff and zpretty
	$(BIN)/ruff check --fix src tests scripts benchmarks
	$(BIN)/ruff format src tests scripts benchmarks
	find src -name '*.zcml' -o -name '*.xml' | grep -v '/locales/' | xargs $(BIN)/zpretty -i

.PHONY: i18n
i18n: install ## Rebuild the .pot and sync the Greek .po with it
	$(BIN)/python scripts/i18n.py

.PHONY: check-buildout
check-buildout: ## Prove buildout.cfg still installs and starts the same thing
	bash scripts/check-buildout.sh

.PHONY: clean
clean: stop ## Remove .venv and generated files (keeps instance/var data)
	rm -rf $(VENV) build dist src/*.egg-info instance/etc
