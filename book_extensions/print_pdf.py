"""Print the whole book as one PDF with the system Chromium (`make pdf`).

1. Build the book as one HTML page, ``jupyter-book build --builder singlehtml -W -n``, into
   ``<path-output>/_build/singlehtml``. The build shares ``<path-output>/_build/.jupyter_cache``
   with the HTML build of ``make book``, so the chapters executed there are not executed again.
2. Open that page in headless Chromium (``/usr/bin/chromium`` driven through
   ``/usr/bin/chromedriver``; nothing is downloaded), unfold the folded solutions, wait until
   MathJax has typeset every formula and every image has loaded, and stop with an error if a
   formula is still TeX, MathJax reported an error, or an image is missing.
3. Print it on A4 with margins, backgrounds and page numbers, with Chromium's DevTools command
   ``Page.printToPDF``, to ``<path-output>/_build/pdf/book.pdf`` (a tagged PDF, so the figures
   keep their alt text, with an outline of the headings), and keep the page exactly as it was
   printed (MathJax's output included) in ``printed.html`` beside it. The print rules (a new
   sheet for each chapter, no shadows) are in ``_static/custom.css``.

Usage: ``python book_extensions/print_pdf.py [--path-output DIR]`` (DIR defaults to the
repository, as for ``jupyter-book build``).
"""
import argparse
import base64
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LOAD_TIMEOUT = 120          # seconds for a page, its images and its formulas
PRINT_TIMEOUT = 900         # seconds for printing the whole book (about 90 on two busy cores)
MM = 1 / 25.4               # inches per millimetre, the unit of Page.printToPDF
A4_WITH_MARGINS = {
    "paperWidth": 210 * MM, "paperHeight": 297 * MM,
    "marginTop": 15 * MM, "marginBottom": 15 * MM, "marginLeft": 15 * MM, "marginRight": 15 * MM,
}
PAGE_NUMBER_FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center;">'
                      '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')

# Resolves once the page has loaded, its folded solutions are open (sphinx-togglebutton), its
# fonts and images are in, and MathJax (when the page loads it) has typeset everything: with the
# text of the first error, or null.
WAIT_UNTIL_RENDERED = """
const done = arguments[arguments.length - 1];
const deadline = Date.now() + arguments[0] * 1000;
function later(check) { setTimeout(check, 100); }
function images() {
  const pending = Array.from(document.images).filter(image => !image.complete);
  if (pending.length && Date.now() < deadline) return later(images);
  document.fonts.ready.then(() => done(null));
}
let started;  // the time the page finished loading: every script it loads has run by then
function mathjax() {
  if (!document.querySelector('script[src*="mathjax"]')) return images();
  const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
  if (!ready) return Date.now() < started + 10000 ? later(mathjax) : done("MathJax did not start");
  MathJax.startup.promise.then(images, error => done("MathJax failed: " + error));
}
function loaded() {
  if (document.readyState !== "complete") return later(loaded);
  started = Date.now();
  document.querySelectorAll(".toggle-hidden").forEach(element => element.classList.remove("toggle-hidden"));
  Array.from(document.images).forEach(image => { image.loading = "eager"; });
  mathjax();
}
loaded();
"""

# What did not render, as a list of sentences (empty when everything did).
RENDERING_PROBLEMS = r"""
const problems = [];
const broken = Array.from(document.images).filter(image => !image.complete || image.naturalWidth === 0);
broken.forEach(image => problems.push("image not loaded: " + image.getAttribute("src")));
const untypeset = Array.from(document.querySelectorAll(".math")).filter(
  element => !element.querySelector("mjx-container"));
untypeset.forEach(element => problems.push("formula not typeset: " + element.textContent.slice(0, 80)));
document.querySelectorAll("mjx-merror").forEach(
  element => problems.push("MathJax error: " + (element.getAttribute("data-mjx-error") || element.textContent)));
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const skipped = "PRE, CODE, SCRIPT, STYLE, TEXTAREA, MJX-CONTAINER";
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent;
  if ((text.includes("$$") || text.includes("\\(") || text.includes("\\[")) && !node.parentElement.closest(skipped))
    problems.push("TeX left in the text: " + text.trim().slice(0, 80));
}
return problems;
"""


def headless_chromium(width=1280, height=900):
    """A Selenium driver of the system's headless Chromium with a window of width x height pixels.

    Selenium is told where Chromium and chromedriver are and that it is offline, so its manager
    never downloads a browser or a driver. The browser's console messages are kept for
    ``driver.get_log("browser")``.
    """
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        raise RuntimeError("%s not found: install the Debian packages chromium and chromium-driver"
                           % " and ".join(missing))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=%d,%d" % (width, height)):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_script_timeout(LOAD_TIMEOUT + 10)
    driver.set_page_load_timeout(LOAD_TIMEOUT)
    driver.command_executor.client_config.timeout = LOAD_TIMEOUT + 30
    return driver


def open_rendered(driver, page):
    """Load the HTML file ``page``, unfold its folded solutions, and wait until its formulas and
    images have rendered.

    Raises RuntimeError naming what did not render: MathJax that did not start or failed, a
    formula left as TeX, a MathJax error, an image that did not load.
    """
    driver.get(Path(page).resolve().as_uri())
    failure = driver.execute_async_script(WAIT_UNTIL_RENDERED, LOAD_TIMEOUT)
    problems = ([failure] if failure else []) + driver.execute_script(RENDERING_PROBLEMS)
    if problems:
        more = ["... and %d more" % (len(problems) - 20)] if len(problems) > 20 else []
        raise RuntimeError("%s did not render:\n  %s" % (page, "\n  ".join(problems[:20] + more)))


def build_single_page(path_output):
    """Build the book as one HTML page in ``<path_output>/_build/singlehtml``; that page's path.

    Jupyter Book's ``index.html`` there only redirects to the page of the book's root document.
    """
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(REPOSITORY),
               "--path-output", str(path_output), "--builder", "singlehtml", "-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    folder = Path(path_output) / "_build" / "singlehtml"
    redirect = re.search(r'url=([^"]+\.html)"', (folder / "index.html").read_text(encoding="utf-8"))
    return folder / redirect.group(1) if redirect else folder / "index.html"


def print_book(page, pdf):
    """Print the rendered single-page book ``page`` to the A4 PDF file ``pdf``.

    Writes ``printed.html`` beside the PDF: the page as it was printed. Returns the PDF's size in
    bytes.
    """
    driver = headless_chromium()
    try:
        open_rendered(driver, page)
        driver.command_executor.client_config.timeout = PRINT_TIMEOUT
        printed = driver.execute_cdp_cmd("Page.printToPDF", {
            **A4_WITH_MARGINS, "printBackground": True, "displayHeaderFooter": True,
            "headerTemplate": "<div></div>", "footerTemplate": PAGE_NUMBER_FOOTER,
            "generateTaggedPDF": True, "generateDocumentOutline": True})
        dom = driver.execute_script("return document.documentElement.outerHTML")
    finally:
        driver.quit()
    data = base64.b64decode(printed["data"])
    if not data.startswith(b"%PDF"):
        raise RuntimeError("Chromium returned no PDF")
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(data)
    pdf.with_name("printed.html").write_text(dom, encoding="utf-8")
    return len(data)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path-output", default=str(REPOSITORY),
                        help="the folder whose _build/ holds the builds (default: the repository)")
    arguments = parser.parse_args(argv)
    start = time.monotonic()
    page = build_single_page(arguments.path_output)
    pdf = Path(arguments.path_output) / "_build" / "pdf" / "book.pdf"
    size = print_book(page, pdf)
    print("%s: %.1f MB, printed in %.0f s" % (pdf, size / 1e6, time.monotonic() - start))


if __name__ == "__main__":
    main()
