"""Offer every notebook page of the book as a Jupyter notebook (``.ipynb``) in its download menu.

sphinx-book-theme's download button (``use_download_button``, on by default) offers, for a
MyST-Markdown page, the page's source as ``.md`` (Sphinx's copy in ``_sources/``) and ``.pdf``
(the browser's print dialog). It offers ``.ipynb`` only as a side effect of launch buttons, which
the book keeps off because they point to cloud services. This extension adds the ``.ipynb``:
for every page that is a notebook (its metadata has a ``kernelspec``), it writes the notebook to
``_sources/<page>.ipynb`` beside the ``.md`` and sets ``ipynb_source`` in the page's context,
which the theme's download menu turns into a link. Both files are part of the built book, so the
downloads work offline.

The ``.ipynb`` is converted from the page's ``.md`` with jupytext (pinned in
``requirements.txt``, the same converter that opens the ``.md`` as a notebook in JupyterLab): the
same cells, code and Markdown, without outputs. It is not myst-nb's executed notebook
(``jupyter_execute/<page>.ipynb``), because myst-nb writes that file without outputs whenever its
execution cache supplies them, so the download would depend on how the book was last built; the
conversion gives the same notebook after every build, and a small one (no embedded figures).
"""
from pathlib import Path

import jupytext

THEME_DOWNLOAD_PRIORITY = 501
"""Priority of sphinx-book-theme's ``html-page-context`` handler that builds the download menu."""


def _offer_notebook(app, pagename, templatename, context, doctree):
    if doctree is None or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    notebook = jupytext.read(app.env.doc2path(pagename))
    target = Path(app.outdir, "_sources", pagename + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(notebook, target, fmt="ipynb")
    context["ipynb_source"] = pagename + ".ipynb"


def setup(app):
    app.connect("html-page-context", _offer_notebook, priority=THEME_DOWNLOAD_PRIORITY - 1)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
