# Two commands set up a fresh machine: `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test venv system-deps clean pdf demo

# The trusted grader isolates student code with bubblewrap (and setpriv, from util-linux); browser
# tests drive Chromium, some of them through chromedriver; tests/test_postgres.py runs a throwaway
# PostgreSQL server (Debian puts its binaries in /usr/lib/postgresql/<version>/bin, off PATH).
system-deps:
	@if ! command -v bwrap >/dev/null || ! command -v setpriv >/dev/null || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux chromium chromium-driver postgresql >/dev/null; \
	  else echo "please install: bubblewrap util-linux chromium chromium-driver postgresql" >&2; exit 1; fi; fi

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'backprop_textbook.pth').write_text('$(CURDIR)\n')"
	$(PY) -m grader.lab
	touch $(STAMP)

venv: $(STAMP)

# MathJax comes from the Python package sphinx-mathjax-offline (in requirements.txt), which copies
# it into _build/html/_static/mathjax when the build finishes: the book needs no npm.
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

test: book system-deps
	$(PY) -m pytest

clean:
	rm -rf _build

# The whole book as one PDF, _build/pdf/book.pdf: a single-page HTML build (it reuses the notebooks
# that `make book` executed) printed on A4 by the system Chromium (book_extensions/print_pdf.py).
pdf: $(STAMP)
	$(PY) book_extensions/print_pdf.py

# A made-up class of about 60 students (correct, partly correct, one per common bug, blank,
# malformed, cheating) graded end to end in a new temporary folder, which is kept; a summary.
demo: $(STAMP) system-deps
	$(PY) -m grader demo
