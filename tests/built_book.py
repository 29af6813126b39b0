"""Where the tests that read the built book find it.

`BOOK_HTML` names an HTML build (default: the repository's `_build/html`, which `make book`
writes); a build made with `jupyter-book build . --path-output DIR` is in `DIR/_build/html`.
"""
import os
from pathlib import Path

import pytest

from grader.course import REPOSITORY

HTML = Path(os.environ.get("BOOK_HTML", REPOSITORY / "_build" / "html"))
PATH_OUTPUT = HTML.parent.parent          # the --path-output of the build
CHAPTERS = sorted(path.stem for path in (REPOSITORY / "chapters").glob("*.md"))


def require_html_build():
    """Skip when the book has not been built; in continuous integration (CI=true), fail."""
    if (HTML / "preface.html").is_file():
        return
    message = "no HTML build in %s: run `make book` first, or set BOOK_HTML to a build" % HTML
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
