"""Executing a chapter, or a part of it, as a notebook: for tests that a wrong formula fails the build
where it should (``test_two_layer_chapter.py``, ``test_deep_network_chapter.py``)."""
import jupytext
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from grader.course import REPOSITORY

CHAPTERS = REPOSITORY / "chapters"
SYMBOLIC, REFERENCE_CHECK = "symbolic-check", "reference-check"


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def symbolic_part(text):
    """The chapter ``text`` as a notebook, cut after its last cell tagged symbolic-check."""
    notebook = jupytext.reads(text, fmt="md:myst")
    last = max(index for index, cell in enumerate(notebook.cells) if SYMBOLIC in tags(cell))
    notebook.cells = notebook.cells[:last + 1]
    return notebook


def first_failure(notebook):
    """Execute the code cells in order, in the chapters' folder; the index and error name of the
    first failing cell, or ``(None, None)`` when every cell runs."""
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTERS)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                return index, error.ename
    return None, None


def index_of(notebook, predicate):
    """The index of the one cell for which ``predicate`` holds."""
    matches = [index for index, cell in enumerate(notebook.cells) if predicate(cell)]
    assert len(matches) == 1, matches
    return matches[0]
