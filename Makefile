# Dealer Management System on Tryton 8.0: the front door.
#   make run    build everything if needed, create the demo database, serve :8000
#               with the scheduler, (PostgreSQL) the queue worker and a mail
#               catcher whose mails are read at http://127.0.0.1:8025/
#   make test   build everything if needed, run the test suite on SQLite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAO_VERSION := 8.0.11
SAO := vendor/sao/package
# Apache ECharts for the portal's dashboard (dms_reports), from npm as sao;
# the module serves its dist/echarts.min.js (no build step, no CDN)
ECHARTS_VERSION := 6.1.0
ECHARTS := addons/dms_reports/www/static/echarts.min.js
DATA := $(CURDIR)/data
DB ?= dms
SIZE ?= small
LANG_DEMO ?= en
PG_URI ?= postgresql://postgres@127.0.0.1:5432/
# The demo's mail catcher (tools/mailcatcher.py): its SMTP server and its page
MAIL_SMTP ?= 127.0.0.1:1025
MAIL_WEB ?= 127.0.0.1:8025

export TRYTOND_CONFIG ?= $(CURDIR)/config/trytond.conf
export TRYTOND_DATABASE__PATH ?= $(DATA)
export TRYTOND_WEB__ROOT ?= $(CURDIR)/$(SAO)
export TRYTOND_WEB__LISTEN ?= localhost:8000

.PHONY: all env sao echarts browser run serve demo-data test test-pg test-long ci constraints clean distclean

all: env sao echarts

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=24'
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

sao: $(SAO)/.installed

$(SAO)/.installed:
	mkdir -p vendor/sao
	cd vendor/sao && npm pack --silent tryton-sao@$(SAO_VERSION) \
		&& tar xzf tryton-sao-$(SAO_VERSION).tgz \
		&& rm tryton-sao-$(SAO_VERSION).tgz
	cd $(SAO) && npm install --omit=dev --legacy-peer-deps --no-audit \
		--no-fund --silent
	touch $@

echarts: vendor/echarts/.installed-$(ECHARTS_VERSION)

vendor/echarts/.installed-$(ECHARTS_VERSION):
	rm -rf vendor/echarts && mkdir -p vendor/echarts
	cd vendor/echarts && npm pack --silent echarts@$(ECHARTS_VERSION) \
		&& tar xzf echarts-$(ECHARTS_VERSION).tgz \
		&& rm echarts-$(ECHARTS_VERSION).tgz
	cp vendor/echarts/package/dist/echarts.min.js $(ECHARTS)
	touch $@

# System packages from Debian: Chromium for the browser tests (never a
# downloaded browser), poppler-utils (pdftotext, pdftoppm) to read the PDFs in
# the tests, Pango for WeasyPrint's PDF rendering, a CJK font so that
# Chinese text in PDFs has glyphs, and sqlmap for the long security tests
SYSTEM_PACKAGES := chromium poppler-utils fonts-noto-cjk libpango-1.0-0 \
	libpangoft2-1.0-0 sqlmap
browser:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
			| grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; \
	fi

# The stamp is written once the generator has finished: an interrupted run is
# completed by the next one (the generator is idempotent)
$(DATA)/.$(DB).done: | env
	$(BIN)/python tools/demo --database $(DB) --size $(SIZE) --lang $(LANG_DEMO)
	touch $@

demo-data: env
	$(BIN)/python tools/demo --database $(DB) --size $(SIZE) --lang $(LANG_DEMO)

# The web server, the scheduler (trytond-cron), on PostgreSQL the queue
# worker, and the mail catcher; Ctrl-C stops them all (tools/run.py)
run: env sao echarts $(DATA)/.$(DB).done
	@echo
	@echo "Logins: admin / admin; dealer logins: see README.md"
	$(BIN)/python tools/run.py -d $(DB) --smtp $(MAIL_SMTP) \
		--mail-web $(MAIL_WEB) --data $(DATA)

# The zh_CN coverage of the DMS modules and of the core entries they
# override must stay at 100% (it reads the .po files: no database)
test: env sao echarts browser
	$(BIN)/python tools/translations.py coverage
	$(BIN)/python tests/run.py

test-pg: env sao echarts browser
	$(BIN)/python tests/run.py --postgresql '$(PG_URI)'

# The long tests (tests/long/: sqlmap...) on PostgreSQL, the production
# database
test-long: env sao echarts browser
	$(BIN)/python tests/run.py --only long --postgresql '$(PG_URI)'

ci: test test-pg test-long

# Benchmarks: ratios against baselines measured in the same run, written to
# bench/results.md (see bench/README.md), e.g. make bench BENCH_ARGS=submit
.PHONY: bench
BENCH_ARGS ?=
bench: env sao
	$(BIN)/python bench/run.py $(BENCH_ARGS)

constraints: env
	( echo '# Pinned versions of every Python dependency (Tryton 8.0 series).'; \
	  echo '# Regenerate with: make constraints'; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^-e' ) > constraints.txt

clean:
	rm -rf .cache build *.egg-info addons/*.egg-info test-results

distclean: clean
	rm -rf $(VENV) vendor data
