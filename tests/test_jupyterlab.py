"""Every assignment opened in JupyterLab 4 in Chromium and run cell by cell, as a student does.

Each assignment is run twice, in one JupyterLab server and one browser for the whole module: the
blank release (``exercises/<a>/``, copied whole) and a solution copy (the release with every
solution cell's source taken from ``solutions/<a>/``). The notebook is saved with Ctrl+S and read
back from disk: in the blank release every check cell fails with a message a student can act on,
in the solution copy every check cell passes and says so. A screenshot of each run, scrolled to the
output of the first check cell, goes to ``_build/screenshots/<a>-blank.png`` and ``<a>-solution.png``.
"""
import ast
import re
import shutil
import time

import nbformat
import pytest
from nbgrader import __version__ as nbgrader_version

from grader import assignments, course
from grader.course import REPOSITORY
from tests.conftest import answered
from tests.jupyterlab_driver import LabServer, Student, missing_browser_parts, start_browser

KINDS = ("blank", "solution")
SCREENSHOTS = REPOSITORY / "_build" / "screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMALLEST_SCREENSHOT = 20_000     # bytes: a window of rendered notebook text, far more than a blank page
STUB_MESSAGE = re.compile(r"([A-Za-z_][\w.]*) is not implemented yet\b")
BLANK_CHECK_ERRORS = ("NotImplementedError", "AssertionError")   # a stub, or a check of code given with a bug
# What no output may show: a module the notebook cannot import, or a traceback through this
# repository's grader or tests (the notebooks must run on their own, as a student's copy does).
FOREIGN_TRACES = ("ModuleNotFoundError", str(REPOSITORY / "grader"), str(REPOSITORY / "tests"), "harness.py")


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def is_check(cell):
    return cell.cell_type == "code" and nbgrader(cell).get("grade", False)


def is_solution(cell):
    return cell.cell_type == "code" and nbgrader(cell).get("solution", False)


def defined_names(source):
    """Top-level functions and classes of ``source``, and each class's methods as ``Class.method``."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update("%s.%s" % (node.name, item.name) for item in node.body if isinstance(item, ast.FunctionDef))
    return names


def uses(source, name):
    """Whether ``source`` mentions ``name`` (for a method ``Class.method``, its class) as a word."""
    return re.search(r"\b%s\b" % re.escape(name.split(".")[0]), source) is not None


def check_cells_with_their_part(notebook):
    """``[(check cell, names)]``: each check cell with the names its part's solution cells define
    (the solution cells between the previous check cell and this one)."""
    found, names = [], set()
    for cell in notebook.cells:
        if is_solution(cell):
            names |= defined_names(cell.source)
        elif is_check(cell):
            found.append((cell, names))
            names = set()
    return found


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def printed(cell):
    return "".join(output.text for output in cell.get("outputs", [])
                   if output.output_type == "stream" and output.name == "stdout")


def output_text(output):
    if output.output_type == "error":
        return "\n".join([output.ename, output.evalue] + output.traceback)
    if output.output_type == "stream":
        return output.text
    return str(output.get("data", {}).get("text/plain", ""))


class Run:
    """One notebook run in JupyterLab: the notebook read back from disk and what the page showed."""

    def __init__(self, notebook, seconds, running_seconds, screenshot, foreign_requests, toolbar_items, validated):
        self.notebook = notebook
        self.seconds = seconds                  # from copying the release to reading the saved notebook
        self.running_seconds = running_seconds  # running every cell and saving, after the page loaded
        self.screenshot = screenshot
        self.foreign_requests = foreign_requests
        self.toolbar_items = toolbar_items
        self.validated = validated              # the text of the dialog that the Validate button opened


class Lab:
    """The module's JupyterLab server and browser, and each (assignment, kind) run once, on first use."""

    def __init__(self, server, student):
        self.server = server
        self.student = student
        self.runs = {}

    def run(self, assignment, kind):
        key = (assignment, kind)
        if key not in self.runs:
            try:
                self.runs[key] = self._run(assignment, kind)
            except Exception as error:      # kept, so the other tests of this notebook fail at once
                self.runs[key] = error
        if isinstance(self.runs[key], Exception):
            raise self.runs[key]
        return self.runs[key]

    def _run(self, assignment, kind):
        started = time.monotonic()
        folder = self.server.root / kind / assignment
        shutil.copytree(course.release_notebook(assignment).parent, folder)
        path = folder / (assignment + ".ipynb")
        if kind == "solution":
            nbformat.write(nbformat.from_dict(answered(assignment)), path)
        cells = nbformat.read(path, as_version=4).cells
        student = self.student
        try:
            student.open_notebook(path.relative_to(self.server.root), len(cells))
            opened = time.monotonic()
            toolbar_items = student.toolbar_items()
            student.run_every_cell(cells)
            student.save(path)
            ran = time.monotonic() - opened
            screenshot = SCREENSHOTS / ("%s-%s.png" % (assignment, kind))
            student.screenshot(next(index for index, cell in enumerate(cells) if is_check(cell)), screenshot)
            foreign_requests = student.requests_outside(self.server.url)
            validated = student.validate()
        finally:
            self.server.shut_down_kernels()
        return Run(nbformat.read(path, as_version=4), time.monotonic() - started, ran, screenshot,
                   foreign_requests, toolbar_items, validated)


@pytest.fixture(scope="module")
def lab():
    problem = missing_browser_parts()
    if problem:
        pytest.fail(problem)
    started = time.monotonic()
    server = LabServer()
    browser = None
    try:
        server.start()
        browser = start_browser()
        session = Lab(server, Student(browser, server))
        yield session
    finally:
        if browser is not None:
            browser.quit()
        server.stop()
    timings = ["%-26s %-8s %6.1f s (cells and saving %5.1f s)" % (assignment, kind, run.seconds, run.running_seconds)
               for (assignment, kind), run in session.runs.items() if isinstance(run, Run)]
    print("\nJupyterLab runs (%d notebooks, %.1f s for the module):\n%s"
          % (len(timings), time.monotonic() - started, "\n".join(timings)))


every_run = pytest.mark.parametrize("assignment, kind", [(name, kind) for name in assignments.NAMES for kind in KINDS])
every_assignment = pytest.mark.parametrize("assignment", assignments.NAMES)


@every_run
def test_every_code_cell_ran_once_in_order(lab, assignment, kind):
    notebook = lab.run(assignment, kind).notebook
    cells = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), \
        "JupyterLab ran every code cell once, top to bottom, also after a failing one"


@every_assignment
def test_blank_check_cells_fail_with_a_message(lab, assignment):
    notebook = lab.run(assignment, "blank").notebook
    for cell, _ in check_cells_with_their_part(notebook):
        grade_id = nbgrader(cell)["grade_id"]
        found = errors(cell)
        assert len(found) == 1, "%s: the blank release's check cell shows %d errors" % (grade_id, len(found))
        assert found[0].ename in BLANK_CHECK_ERRORS, "%s fails with %s: %s" % (grade_id, found[0].ename,
                                                                              found[0].evalue)
        assert found[0].evalue.strip(), "%s fails with a bare %s: nothing tells the student what to do" \
            % (grade_id, found[0].ename)


@every_assignment
def test_blank_stub_messages_name_a_function_the_check_needs(lab, assignment):
    """A check cell that stops at a stub names a function its part defines, or one of an earlier part that
    the check uses itself (a backward pass is checked against the student's own forward pass)."""
    notebook = lab.run(assignment, "blank").notebook
    earlier, stubs = set(), 0
    for cell, names in check_cells_with_their_part(notebook):
        needed = names | {name for name in earlier if uses(cell.source, name)}
        for error in errors(cell):
            if error.ename == "NotImplementedError":
                stubs += 1
                named = STUB_MESSAGE.match(error.evalue)
                assert named and named.group(1) in needed, \
                    "%s: %r does not name a function the check needs (%s)" % (
                        nbgrader(cell)["grade_id"], error.evalue, ", ".join(sorted(needed)))
        earlier |= names
    assert stubs, "no check cell of the blank release stopped at a stub"


@every_assignment
def test_blank_cells_outside_the_checks_fail_only_at_a_stub(lab, assignment):
    notebook = lab.run(assignment, "blank").notebook
    stubs = set().union(*(names for _, names in check_cells_with_their_part(notebook)))
    for index, cell in enumerate(notebook.cells):
        if is_check(cell):
            continue
        for error in errors(cell):
            named = STUB_MESSAGE.match(error.evalue)
            assert error.ename == "NotImplementedError" and named and named.group(1) in stubs, \
                "cell %d fails with %s: %s" % (index + 1, error.ename, error.evalue)


@every_assignment
def test_solution_copy_passes_every_check_and_says_so(lab, assignment):
    notebook = lab.run(assignment, "solution").notebook
    failing = ["cell %d: %s: %s" % (index + 1, error.ename, error.evalue)
               for index, cell in enumerate(notebook.cells) for error in errors(cell)]
    assert not failing, failing
    for cell, names in check_cells_with_their_part(notebook):
        lines = printed(cell).strip().splitlines()
        assert lines, "%s printed nothing" % nbgrader(cell)["grade_id"]
        verdict = lines[-1]
        assert verdict.split(":")[0] in names, "%s ends with %r, not a verdict on a function of its part" % (
            nbgrader(cell)["grade_id"], verdict)


@every_run
def test_no_output_shows_a_missing_module_or_this_repository(lab, assignment, kind):
    notebook = lab.run(assignment, kind).notebook
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output_text(output)
            shown = [trace for trace in FOREIGN_TRACES if trace in text]
            assert not shown, "cell %d shows %s:\n%s" % (index + 1, shown, text[-2000:])


@every_run
def test_screenshot_shows_the_notebook(lab, assignment, kind):
    path = lab.run(assignment, kind).screenshot
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), "%s is not a PNG" % path
    assert len(data) > SMALLEST_SCREENSHOT, "%s has only %d bytes" % (path, len(data))


@every_run
def test_nbgrader_validate_button_is_on_the_toolbar(lab, assignment, kind):
    assert "Validate" in lab.run(assignment, kind).toolbar_items, "nbgrader's JupyterLab extension loaded"


@every_run
def test_the_validate_button_runs_the_releases_validator(lab, assignment, kind):
    """The course's JupyterLab answers nbgrader's Validate button with validate.py (grader.lab)."""
    text = lab.run(assignment, kind).validated
    if kind == "blank":
        assert "python validate.py %s.ipynb" % assignment in text and "NOT READY" in text, text
        assert "is not implemented yet" in text, text
    else:
        assert "Success" in text and "NOT READY" not in text, text


@every_run
def test_the_page_requested_nothing_outside_the_server(lab, assignment, kind):
    assert lab.run(assignment, kind).foreign_requests == []


def test_jupyterlab_is_offline_and_loads_nbgrader(lab):
    config = lab.student.page_config()
    assert config["news"] == {"disabled": True}, "the server fetches no Jupyter news"
    assert config["extensionManager"]["name"] == "read-only" and not config["extensionManager"]["can_install"], \
        "the extension manager lists and installs nothing from PyPI"
    assert "@jupyter/nbgrader" in [extension["name"] for extension in config["federated_extensions"]]
    notification = lab.server.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")["settings"]
    assert notification.get("fetchNews") == "false" and notification.get("checkForUpdates") is False, \
        "the page asks for no news and no update check"
    manager = lab.server.api("GET", "/lab/api/settings/@jupyterlab/extensionmanager-extension:plugin")["settings"]
    assert manager.get("enabled") is False, "the extension manager's panel is off"


def test_the_validate_button_finds_its_server_extension(lab):
    """The Validate button first asks the server for nbgrader's version (then posts to /assignments/validate)."""
    answer = lab.server.api("GET", "/nbgrader_version?version=" + nbgrader_version)
    assert answer == {"success": True}
