"""The built book: its pages exist, load nothing from the network, and render in Chromium.

`make test` builds the book (with warnings as errors and every chapter executed) before pytest
runs, so these tests read `_build/html`; to test a build made elsewhere, set the environment
variable BOOK_HTML to its HTML folder.
"""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.course import REPOSITORY

HTML = Path(os.environ.get("BOOK_HTML", REPOSITORY / "_build" / "html"))
CHAPTERS = ["why_backpropagation", "computation_graphs", "chain_rule", "forward_pass", "two_layer_network",
            "deep_network", "gradient_checking", "cost_and_memory", "pitfalls",
            "autodiff"]
PAGES = (["index.html", "preface.html", "notation.html", "jupyterlab.html", "glossary.html", "references.html"]
         + ["chapters/%s.html" % name for name in CHAPTERS])
WORKED_NUMBERS = {  # numbers the text works out, computed in the chapter and glued
    "computation_graphs": ("0.5498", "0.5981", "0.4502", "0.9003", "1.3505", "0.5900", "0.1650", "0.1450"),
    "chain_rule": ("0.7616", "0.4200"),
    "gradient_checking": ("14.0001", "14.0601"),
}
EXTERNAL_RESOURCE = re.compile(r"""<(script|link|img|iframe|source)\b[^>]*\b(src|href)=["'](https?:)?//""", re.I)


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_loads_nothing_from_the_network(page):
    text = (HTML / page).read_text(encoding="utf-8")
    assert not EXTERNAL_RESOURCE.search(text), EXTERNAL_RESOURCE.search(text).group(0)
    assert "thebe" not in text.lower() or "unpkg" not in text


def test_mathjax_is_served_locally():
    mathjax = HTML / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file()
    assert (mathjax / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff").is_file()
    for page in ("preface.html", "chapters/chain_rule.html"):
        script = re.search(r'<script[^>]*src="([^"]*mathjax[^"]*)"', (HTML / page).read_text(encoding="utf-8"))
        assert script, page
        source = script.group(1).split("?")[0]          # an incremental build adds ?v=<checksum>
        assert (HTML / page).parent.joinpath(source).resolve() == (mathjax / "tex-chtml.js").resolve()


def test_the_toc_lists_the_chapters_in_order():
    toc = (REPOSITORY / "_toc.yml").read_text(encoding="utf-8")
    assert re.findall(r"file: chapters/(\w+)", toc) == CHAPTERS


@pytest.mark.parametrize("chapter", sorted(WORKED_NUMBERS))
def test_worked_examples_show_their_computed_numbers(chapter):
    text = (HTML / "chapters" / (chapter + ".html")).read_text(encoding="utf-8")
    for number in WORKED_NUMBERS[chapter]:
        assert number in text, number


def test_chapter_shows_its_computed_numbers():
    text = (HTML / "chapters" / "two_layer_network.html").read_text(encoding="utf-8")
    for number in ("-1.248", "0.159", "-0.199", "0.6931", "0.3466", "0.3442", "0.667", "20 of 20"):
        assert number in text, number
    assert text.count("<img") >= 4, "the graph, the loss curve, the decision boundary and the sweeps"


@pytest.mark.parametrize("page", ["preface.html", "notation.html", "glossary.html"]
                         + ["chapters/%s.html" % name for name in CHAPTERS])
def test_page_renders_its_formulas_in_headless_chromium(page):
    """MathJax typesets the page with no failed request. Console errors are caught by
    tests/test_accessibility.py, which reads the browser's log through Selenium: Chromium's own log
    reports console.error at INFO level, with no way to tell it from console.log here."""
    browser = shutil.which("chromium")
    assert browser, "Chromium is needed for this test (Debian package chromium; `make test` installs it)"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=10000", "--dump-dom", (HTML / page).as_uri()],
            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines() if "Uncaught" in line or "net::ERR" in line]
    assert result.returncode == 0 and not errors, errors
    assert "mjx-container" in result.stdout, "MathJax rendered the formulas"
