"""The built book: its pages exist, load nothing from the network, and render in Chromium.

`make test` builds the book (with warnings as errors and every chapter executed) before pytest
runs, so these tests read `_build/html`.
"""
import re
import shutil
import subprocess
import tempfile

import pytest

from grader.course import REPOSITORY

HTML = REPOSITORY / "_build" / "html"
PAGES = ["index.html", "preface.html", "chapters/two_layer_network.html"]
EXTERNAL_RESOURCE = re.compile(r"""<(script|link|img|iframe|source)\b[^>]*\b(src|href)=["'](https?:)?//""", re.I)


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_loads_nothing_from_the_network(page):
    text = (HTML / page).read_text(encoding="utf-8")
    assert not EXTERNAL_RESOURCE.search(text), EXTERNAL_RESOURCE.search(text).group(0)
    assert "thebe" not in text.lower() or "unpkg" not in text


def test_mathjax_is_served_locally():
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_chapter_shows_its_computed_numbers():
    text = (HTML / "chapters" / "two_layer_network.html").read_text(encoding="utf-8")
    for number in ("-1.248", "0.159", "-0.199", "0.6931", "0.3466", "0.3442", "0.667", "20 of 20"):
        assert number in text, number
    assert text.count("<img") >= 4, "the graph, the loss curve, the decision boundary and the sweeps"


@pytest.mark.parametrize("page", ["preface.html", "chapters/two_layer_network.html"])
def test_page_renders_in_headless_chromium_without_console_errors(page):
    browser = shutil.which("chromium")
    assert browser, "Chromium is needed for this test (Debian package chromium; `make test` installs it)"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=10000", "--dump-dom", (HTML / page).as_uri()],
            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines()
              if ":ERROR:CONSOLE" in line or "Uncaught" in line or "net::ERR" in line]
    assert result.returncode == 0 and not errors, errors
    if "two_layer_network" in page:
        assert "mjx-container" in result.stdout, "MathJax rendered the formulas"
