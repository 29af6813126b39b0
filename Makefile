# Two commands set up a fresh machine: `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# MathJax 3 for offline math: installed from the npm registry into .cache/ (ignored by git) and
# copied to the folder that book_extensions/offline_html.py serves as the book's _static/mathjax.
MATHJAX_VERSION := 3.2.2
MATHJAX_NPM := .cache/mathjax
MATHJAX_STATIC := $(MATHJAX_NPM)/static/mathjax
MATHJAX_ENTRY := $(MATHJAX_STATIC)/tex-chtml.js

.PHONY: book test venv mathjax system-deps clean

# The trusted grader isolates student code with bubblewrap; browser tests use Chromium.
system-deps:
	@if ! command -v bwrap >/dev/null || ! command -v chromium >/dev/null || ! command -v setpriv >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux chromium chromium-driver >/dev/null; \
	  else echo "please install: bubblewrap util-linux chromium chromium-driver" >&2; exit 1; fi; fi

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'backprop_textbook.pth').write_text('$(CURDIR)\n')"
	touch $(STAMP)

venv: $(STAMP)

$(MATHJAX_ENTRY):
	@command -v npm >/dev/null || { echo "please install npm (Node.js) to fetch MathJax" >&2; exit 1; }
	npm install --prefix $(MATHJAX_NPM) --no-save --no-package-lock --no-audit --no-fund --loglevel=error mathjax@$(MATHJAX_VERSION)
	rm -rf $(MATHJAX_STATIC) && mkdir -p $(MATHJAX_STATIC)/output
	cd $(MATHJAX_NPM)/node_modules/mathjax/es5 && cp -r tex-chtml.js input a11y sre ui adaptors $(CURDIR)/$(MATHJAX_STATIC)/
	cp -r $(MATHJAX_NPM)/node_modules/mathjax/es5/output/chtml $(MATHJAX_STATIC)/output/
	cp $(MATHJAX_NPM)/node_modules/mathjax/LICENSE $(MATHJAX_STATIC)/

mathjax: $(MATHJAX_ENTRY)

book: $(STAMP) $(MATHJAX_ENTRY)
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

test: book system-deps
	$(PY) -m pytest

clean:
	rm -rf _build
