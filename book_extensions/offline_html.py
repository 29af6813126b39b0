"""Make the HTML book work without a network connection.

Two things in the default Jupyter Book setup reach for the internet:

* MathJax. The ``mathjax`` target of the Makefile installs ``mathjax@3.2.2`` from the npm
  registry and copies the parts the book uses into ``offline_mathjax_dir``
  (``.cache/mathjax/static/mathjax/...``). This extension adds that folder to
  ``html_static_path`` when the HTML builder starts, so that ``mathjax_path:
  mathjax/tex-chtml.js`` in ``_config.yml`` resolves to ``_static/mathjax/tex-chtml.js``. The
  folder is added here rather than in ``_config.yml`` because Jupyter Book turns every ``.js``
  file on a configured static path into a ``<script>`` tag on every page, and MathJax ships
  hundreds of components that must only be loaded on demand.

* Thebe. Jupyter Book always loads ``sphinx_thebe``, which writes a loader for
  ``https://unpkg.com/thebe`` and a Binder configuration into every page, although the book
  shows no button that would use them. This extension disconnects that extension's event
  handlers, so the pages contain neither.
"""
from pathlib import Path

from sphinx.errors import ConfigError


def _add_mathjax_static_path(app):
    if app.builder.format != "html":
        return
    config = app.config
    folder = Path(app.confdir, config.offline_mathjax_dir).resolve()
    entry_point = folder / config.mathjax_path
    if not entry_point.is_file():
        raise ConfigError(
            f"MathJax is missing: {entry_point} does not exist. Run `make mathjax` "
            "(it installs mathjax@3.2.2 from the npm registry) and build again."
        )
    config.html_static_path.append(str(folder))


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
    app.add_config_value("offline_mathjax_dir", ".cache/mathjax/static", "html")
    app.connect("config-inited", _disconnect_thebe)
    app.connect("builder-inited", _add_mathjax_static_path)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
