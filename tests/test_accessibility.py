"""The built book in Chromium: every figure is described and captioned, no output is wider than the
page, and no page writes an error to the browser's console.

The pages are those of the HTML build in the folder named by the environment variable BOOK_HTML
(default: the repository's `_build/html`, which `make book` writes): the preface and every chapter.
One headless Chromium, with a 1280 x 900 window, loads each page once, opens its folded solutions,
waits until its formulas and images have rendered, and measures.
"""
import re

import pytest

from book_extensions.print_pdf import headless_chromium, open_rendered
from built_book import CHAPTERS, HTML, require_html_build

PAGES = ["preface.html"] + ["chapters/%s.html" % name for name in CHAPTERS]
WINDOW = (1280, 900)
MIN_ALT_WORDS = 6
FILE_NAME = re.compile(r"^\S*\.(png|jpe?g|svg|gif|webp)$|^[0-9a-f]{32,}", re.I)

# What the assertions need, measured in the browser.
MEASURE = """
const inMain = element => element.closest("main, article, .bd-article") !== null;
return {
  images: Array.from(document.images).map(image => {
    const figure = image.closest("figure");
    const caption = figure && figure.querySelector("figcaption");
    return {src: image.getAttribute("src"), alt: image.getAttribute("alt"), content: inMain(image),
            caption: caption ? caption.textContent.trim() : null};
  }),
  overflowing: Array.from(document.querySelectorAll(".cell_output pre"))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => ({scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth,
                  longest: pre.textContent.split("\\n").reduce((a, b) => b.length > a.length ? b : a, "")})),
  outputs: document.querySelectorAll(".cell_output pre").length,
};
"""


@pytest.fixture(scope="module")
def browser():
    require_html_build()
    driver = headless_chromium(*WINDOW)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def measured(browser):
    """page -> what MEASURE returns for it, plus its console errors; each page is loaded once."""
    cache = {}

    def measure(page):
        if page not in cache:
            browser.get_log("browser")                  # forget what earlier pages logged
            open_rendered(browser, HTML / page)
            result = browser.execute_script(MEASURE)
            result["console_errors"] = [entry["message"] for entry in browser.get_log("browser")
                                        if entry["level"] == "SEVERE"]
            cache[page] = result
        return cache[page]

    return measure


def test_every_chapter_was_built():
    require_html_build()
    missing = [page for page in PAGES if not (HTML / page).is_file()]
    assert not missing, missing


@pytest.mark.parametrize("page", PAGES)
def test_images_have_alt_text_that_describes_them(measured, page):
    for image in measured(page)["images"]:
        alt = (image["alt"] or "").strip()
        assert not FILE_NAME.search(alt), "%s: alt text is a file name: %r" % (image["src"], alt)
        assert len(alt.split()) >= MIN_ALT_WORDS, "%s: alt text too short: %r" % (image["src"], alt)


@pytest.mark.parametrize("page", PAGES)
def test_content_images_are_figures_with_captions(measured, page):
    for image in measured(page)["images"]:
        if image["content"]:
            assert image["caption"], "%s is not in a <figure> with a <figcaption>" % image["src"]


@pytest.mark.parametrize("page", PAGES)
def test_no_output_is_wider_than_the_page(measured, page):
    overflowing = measured(page)["overflowing"]
    assert not overflowing, "outputs wider than their box at %dx%d: %s" % (*WINDOW, overflowing)


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(measured, page):
    errors = measured(page)["console_errors"]
    assert not errors, errors


def test_the_measurements_see_figures_and_outputs(measured):
    """The checks above would pass vacuously if the browser found no images or outputs."""
    pages = [measured(page) for page in PAGES]
    assert any(image["caption"] for page in pages for image in page["images"])
    assert sum(page["outputs"] for page in pages) > 0
