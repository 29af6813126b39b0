"""The book's furniture: offline MathJax, the glossary's links, the downloads, and offline search.

These tests read a built book, ``BOOK_HTML`` (the folder of ``test_book.py``: ``_build/html`` unless
the environment variable ``BOOK_HTML`` names another one), and the sources in the repository. The
browser tests drive the system's Chromium (``/usr/bin/chromium``) through ``/usr/bin/chromedriver``
with Selenium, which is told never to download a driver, and open the pages from ``file://`` as a
reader does; Chromium's performance log lists every request a page makes.
"""
import json
import os
import re
import types
from pathlib import Path

import nbformat
import pytest
import yaml
from sphinx.directives.code import LiteralIncludeReader

from grader.course import REPOSITORY
from tests.test_book import CHAPTERS, HTML

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE_TIMEOUT = 60                        # seconds for a page, its MathJax or its search to finish
TERM_ROLE = re.compile(r"\{term\}`([^`]*)`")
TERM_LINK = re.compile(r"\]\(#([^)\s]+)\)")          # a MyST link to a term: [`keepdims=True`](#keepdims)
LITERALINCLUDE = re.compile(r"^```\{literalinclude\}\s+(\S+)\n((?::[\w-]+:.*\n)*)", re.M)
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", re.M | re.S)


def chapter_sources():
    return {name: (REPOSITORY / "chapters" / (name + ".md")).read_text(encoding="utf-8")
            for name in CHAPTERS}


def code_cells(markdown):
    """The sources of the code cells of a MyST notebook, read from its text without jupytext: each
    ```{code-cell} block without its options (a YAML block or `:key: value` lines)."""
    cells = []
    for body in CODE_CELL.findall(markdown):
        lines = body.split("\n")
        if lines[0] == "---":
            lines = lines[lines.index("---", 1) + 1:]
        while lines and lines[0].startswith(":"):
            lines.pop(0)
        if len(lines) > 1 and lines[0] == "":
            lines.pop(0)
        cells.append("\n".join(lines).rstrip("\n"))
    return cells


def glossary_entries():
    """The glossary's entries, each the set of its terms in lower case (a term and its synonyms)."""
    text = (REPOSITORY / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    entries, current = [], set()
    for line in body.splitlines():
        if line.startswith(":") or not line.strip():
            continue
        if line[0].isspace():                 # a definition line closes the entry's terms
            if current:
                entries.append(current)
                current = set()
        else:
            current.add(line.strip().lower())
    return entries


def role_target(content):
    """The term a {term} role links to: ``text <target>`` or the text itself, spaces collapsed."""
    match = re.fullmatch(r"(.*?)\s*<([^<>]*)>", content, re.S)
    return " ".join((match.group(2) if match else content).split()).lower()


def term_links(source):
    """The glossary terms a chapter links to, with {term} roles and with MyST links [..](#term)."""
    terms = {term for entry in glossary_entries() for term in entry}
    roles = [role_target(content) for content in TERM_ROLE.findall(source)]
    links = [target.lower() for target in TERM_LINK.findall(source) if target.lower() in terms]
    return roles + links


def test_every_glossary_entry_is_linked_from_a_chapter():
    linked = {term for source in chapter_sources().values() for term in term_links(source)}
    unlinked = [sorted(entry) for entry in glossary_entries() if not entry & linked]
    assert len(glossary_entries()) >= 20
    assert not unlinked, unlinked


def test_every_term_role_of_a_chapter_names_a_glossary_term():
    terms = {term for entry in glossary_entries() for term in entry}
    for name, source in chapter_sources().items():
        unknown = sorted({role_target(c) for c in TERM_ROLE.findall(source)} - terms)
        assert not unknown, (name, unknown)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_built_chapter_links_its_terms_to_the_glossary(chapter):
    """Each term link of the source is a link into the glossary, to a term that is there."""
    page = (HTML / "chapters" / (chapter + ".html")).read_text(encoding="utf-8")
    glossary = (HTML / "glossary.html").read_text(encoding="utf-8")
    targets = re.findall(r'href="\.\./glossary\.html#(term-[^"]+)"', page)
    source = (HTML / "_sources" / "chapters" / (chapter + ".md")).read_text(encoding="utf-8")
    assert len(targets) == len(term_links(source)) > 0
    for target in set(targets):
        assert f'id="{target}"' in glossary, target


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_offers_its_source_and_its_notebook(chapter):
    page = (HTML / "chapters" / (chapter + ".html")).read_text(encoding="utf-8")
    downloads = {}
    for suffix in (".md", ".ipynb"):
        href = f"../_sources/chapters/{chapter}{suffix}"
        assert f'href="{href}"' in page, href
        downloads[suffix] = (HTML / "chapters" / href).resolve()
        assert downloads[suffix].is_file(), downloads[suffix]
    notebook = nbformat.read(downloads[".ipynb"], as_version=4)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) > 0 and code == code_cells(downloads[".md"].read_text(encoding="utf-8"))


def test_the_downloaded_source_is_the_chapter_itself():
    """The .md offered for download is the file the chapter was built from."""
    built = (HTML / "_sources" / "chapters" / "forward_pass.md").read_text(encoding="utf-8")
    assert built.splitlines()[:20] == chapter_sources()["forward_pass"].splitlines()[:20]


# -- in the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    os.environ["SE_OFFLINE"] = "true"          # selenium-manager must not look for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), (
        "Chromium and chromedriver are needed (Debian packages chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-sync",
                     "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    yield driver
    driver.quit()


def open_page(driver, url):
    """Load ``url`` with empty logs, so that what the logs hold afterwards is this page's."""
    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(url)


def requests_and_problems(driver):
    """The URLs the page requested, and its failed loads and console errors."""
    urls, problems = [], []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.loadingFailed":
            problems.append(message["params"])
    problems += [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return urls, problems


def assert_offline(urls, problems):
    outside = [url for url in urls if not url.startswith(HTML.resolve().as_uri() + "/")]
    assert not outside, outside
    assert not problems, problems


@pytest.mark.parametrize("page", ["notation.html", "glossary.html"]
                         + ["chapters/%s.html" % name for name in CHAPTERS])
def test_mathjax_renders_offline_with_its_fonts(browser, page):
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, (HTML / page).as_uri())
    WebDriverWait(browser, PAGE_TIMEOUT).until(lambda driver: driver.execute_script(
        "return !!(window.MathJax && MathJax.startup && MathJax.startup.document"
        " && MathJax.startup.document.processed)"))
    browser.execute_async_script("const done = arguments[0];"
                                 "MathJax.startup.promise.then(() => document.fonts.ready).then(done)")
    assert browser.execute_script("return document.querySelectorAll('mjx-container').length") > 0
    fonts = browser.execute_script("return Array.from(document.fonts)"
                                   ".filter(f => f.family.startsWith('MJX')).map(f => f.status)")
    assert "loaded" in fonts and "error" not in fonts, fonts
    urls, problems = requests_and_problems(browser)
    font_folder = (HTML / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").as_uri()
    assert any(url.startswith(font_folder) for url in urls)
    assert_offline(urls, problems)


def included_code(page_source, folder):
    """The code that the page's literalinclude directives show (Sphinx's own reader)."""
    config = types.SimpleNamespace(source_encoding="utf-8-sig")
    included = []
    for path, option_lines in LITERALINCLUDE.findall(page_source):
        options = dict(re.findall(r"^:([\w-]+):\s*(.*)$", option_lines, re.M))
        options = {key: value for key, value in options.items() if key == "pyobject"}
        text, _ = LiteralIncludeReader(str(folder / path), options, config).read()
        included.append(text)
    return "\n".join(included)


def toc_pages():
    """Every page of the book: the root and the files of _toc.yml, as paths without suffix."""
    toc = yaml.safe_load((REPOSITORY / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def pages_containing(word):
    """The built pages (.html paths) whose source, with the code it includes, contains ``word``."""
    pages = set()
    for page in toc_pages():
        source_file = REPOSITORY / (page + ".md")
        source = source_file.read_text(encoding="utf-8")
        text = source + included_code(source, source_file.parent)
        if re.search(word, text, re.I):
            pages.add(page + ".html")
    return pages


def test_search_lists_exactly_the_pages_that_contain_the_word_offline(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    expected = pages_containing("keepdims")
    assert {"chapters/forward_pass.html", "glossary.html"} <= expected
    open_page(browser, (HTML / "search.html").as_uri() + "?q=keepdims")
    results = WebDriverWait(browser, PAGE_TIMEOUT).until(
        lambda driver: "Search finished" in driver.find_element(By.ID, "search-results").text
        and driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search > li > a"))
    found = {link.get_attribute("href").removeprefix(HTML.resolve().as_uri() + "/").split("#")[0]
             for link in results}
    assert found == expected
    assert_offline(*requests_and_problems(browser))
