"""Make the HTML book work without a network connection.

Two things in the default Jupyter Book setup reach for the internet:

* MathJax. Sphinx loads MathJax 3 from a CDN unless told otherwise. The book instead lists the
  extension ``sphinx-mathjax-offline`` (the PyPI package of that name, pinned in
  ``requirements.txt``) among its extensions in ``_config.yml``: it sets ``mathjax_path`` to
  ``mathjax/tex-chtml.js`` and, when the build finishes, copies the MathJax 3 distribution it
  ships (components and fonts) to ``_static/mathjax`` of the output. ``tex-chtml.js`` then loads
  its fonts from ``output/chtml/fonts/woff-v2`` beside it. Nothing but pip is needed.

* Thebe. Jupyter Book always loads ``sphinx_thebe``, which writes a loader for
  ``https://unpkg.com/thebe`` and a Binder configuration into every page, although the book
  shows no button that would use them. This extension disconnects that extension's event
  handlers, so the pages contain neither.
"""


def _disconnect_thebe(app, config):
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                app.disconnect(listener.id)
    app.registry.css_files = [
        (filename, attributes) for filename, attributes in app.registry.css_files
        if "thebe" not in str(filename)
    ]


def setup(app):
    app.connect("config-inited", _disconnect_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.1"}
