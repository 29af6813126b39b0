"""`make pdf`: the whole book as one PDF, printed by Chromium with its formulas typeset.

The test runs `book_extensions/print_pdf.py` as `make pdf` does, for the HTML build in BOOK_HTML
(see `built_book.py`): the single-page build beside it reuses the notebooks executed for the HTML
build, and the PDF and the page as printed go to `_build/pdf/` of the same folder.
"""
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from built_book import CHAPTERS, HTML, PATH_OUTPUT, require_html_build
from grader.course import REPOSITORY

PDF = HTML.parent / "pdf" / "book.pdf"
PRINTED = PDF.with_name("printed.html")
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
SANE_SIZE = (200_000, 100_000_000)      # bytes: a book with figures, not an empty or runaway file


@pytest.fixture(scope="module")
def printed():
    """The PDF's bytes and the text of the page that was printed, from a fresh run of the script."""
    require_html_build()
    for stale in (PDF, PRINTED):
        stale.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(REPOSITORY / "book_extensions" / "print_pdf.py"),
                    "--path-output", str(PATH_OUTPUT)], check=True, timeout=1800)
    return PDF.read_bytes(), PRINTED.read_text(encoding="utf-8")


class VisibleText(HTMLParser):
    """The text of a page outside code, scripts, styles and typeset formulas."""

    SKIPPED = {"pre", "code", "script", "style", "textarea", "mjx-container"}

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.SKIPPED

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.depth > 0:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def test_the_pdf_is_a_pdf_of_sane_size(printed):
    data, _ = printed
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert SANE_SIZE[0] < len(data) < SANE_SIZE[1], len(data)


def test_the_pdf_has_at_least_one_page_per_chapter(printed):
    data, _ = printed
    pages = len(PAGE_OBJECT.findall(data))
    assert pages >= len(CHAPTERS) + 1, pages          # each chapter starts a page, after the preface


def test_every_formula_of_the_printed_page_was_typeset(printed):
    _, page = printed
    formulas = len(re.findall(r'<(?:span|div) class="math\b', page))
    typeset = page.count("<mjx-container")
    assert formulas > 0 and typeset >= formulas, (formulas, typeset)
    assert "<mjx-merror" not in page
    parser = VisibleText()
    parser.feed(page)
    text = "".join(parser.parts)
    for tex in ("$$", "\\(", "\\["):
        assert tex not in text, text[max(0, text.index(tex) - 80):text.index(tex) + 80]


def test_the_printed_page_holds_every_chapter_and_its_figures(printed):
    _, page = printed
    for chapter in CHAPTERS:
        assert 'id="document-chapters/%s"' % chapter in page, chapter
    built_images = sum((HTML / "chapters" / (name + ".html")).read_text(encoding="utf-8").count("<img")
                       for name in CHAPTERS)
    assert page.count("<img") >= built_images > 0
