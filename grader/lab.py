"""JupyterLab's Validate button, answered by the release's ``validate.py`` instead of nbgrader's validator.

nbgrader's button (its JupyterLab extension) saves the notebook and posts its path to
``/assignments/validate``. nbgrader's own answer runs every cell of the notebook, top-level code
included, which the grader never runs, so it can pass a notebook that the grader would not. This
Jupyter server extension answers the same request with ``validate.py`` of the notebook's folder
(see ``grader.validation``): the grader's reading of the notebook and its checks on public cases.

Enabled, with nbgrader's ``validate_assignment`` extension disabled, in the course's environment
by ``make`` (``python -m grader.lab``, see :func:`install`). A notebook whose folder has no
``validate.py`` (not a release) gets a message saying so.
"""
import asyncio
import html
import json
import sys
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler, ValidateAssignmentHandler
from tornado import web

from grader.validation import SCRIPT_FILE

SECONDS = 300.0


class ValidateHandler(ValidateAssignmentHandler):
    """``POST /assignments/validate?path=...``: the report of ``validate.py``, as the button shows it."""

    @web.authenticated
    async def post(self):
        try:
            path = self.get_argument("path")
        except web.MissingArgumentError:
            path = (self.get_json_body() or {}).get("path", "")
        self.finish(json.dumps(await self.validate(path)))

    async def validate(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise web.HTTPError(403, "no such notebook under the server's folder")
        script = target.parent / SCRIPT_FILE
        if not script.is_file():
            return {"success": False, "value": "There is no %s beside %s: open the notebook in its assignment's "
                                               "folder, as the release has it." % (SCRIPT_FILE, target.name)}
        status, report = await run_validator(script, target)
        if status == 0:
            return {"success": True, "value": {}}
        return {"success": True, "value": {"failed": [{
            "source": "python %s %s" % (SCRIPT_FILE, target.name),
            "error": "<pre>%s</pre>" % html.escape(report), "raw_error": report}]}}


async def run_validator(script, notebook):
    """``(exit status, report)`` of ``python validate.py NOTEBOOK`` in the notebook's folder."""
    child = await asyncio.create_subprocess_exec(sys.executable, str(script), notebook.name, cwd=notebook.parent,
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        output, _ = await asyncio.wait_for(child.communicate(), SECONDS)
    except asyncio.TimeoutError:
        child.kill()
        return 1, "The validator did not finish within %g s." % SECONDS
    return child.returncode, output.decode("utf-8", "replace")


def install(prefix=sys.prefix):
    """Enable this extension and disable nbgrader's validator for the environment at ``prefix``: the
    files ``jupyter server extension enable/disable --sys-prefix`` would write (``enable`` refuses an
    extension that no package has declared in a config file; these files are that declaration)."""
    folder = Path(prefix, "etc", "jupyter", "jupyter_server_config.d")
    folder.mkdir(parents=True, exist_ok=True)
    for name, enabled in (("grader.lab", True), ("nbgrader.server_extensions.validate_assignment", False)):
        config = {"ServerApp": {"jpserver_extensions": {name: enabled}}}
        (folder / (name + ".json")).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return folder


def _jupyter_server_extension_points():
    return [{"module": "grader.lab"}]


def _load_jupyter_server_extension(server):
    web_app = server.web_app
    web_app.settings["root_dir"] = server.root_dir
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, "assignments/validate"), ValidateHandler),
                                 (url_path_join(base, "nbgrader_version"), NbGraderVersionHandler)])
    server.log.info("grader.lab: the Validate button runs the release's %s", SCRIPT_FILE)


if __name__ == "__main__":
    print("the Validate button runs validate.py: configured in %s" % install())
