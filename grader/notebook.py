"""Read a submitted notebook defensively and keep only the code that defines things.

Grading runs the student's *definitions*, not the notebook: from every code cell the trusted
parent keeps top-level imports, ``def`` and ``class`` statements and assignments that call
nothing (``EPSILON = 1e-8``, ``relu = lambda z: np.maximum(0, z)``: a lambda's body is not run
when it is assigned), and drops everything else (training loops, plots, prints, calls to
``get_ipython()``). So a slow training cell costs no marks, and nothing that a cell does at top
level (patching, input transformers, ``sys.exit()``) runs at all. What is kept still runs only
inside the sandbox.
"""
import ast
import json
import threading
from dataclasses import dataclass, field

from IPython.core.inputtransformer2 import TransformerManager

from grader.submission import Ungradable

# CPython 3.11 before 3.11.8 can fail with "AST constructor recursion depth mismatch" when
# threads parse at the same time (CPython gh-106905); grading threads take turns here.
_PARSING = threading.Lock()
KEPT_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class Definitions:
    """The kept code, one entry per code cell that still has any, and what could not be parsed."""
    cells: list      # [{"index": int, "code": str}]
    problems: list   # ["cell 4 has a syntax error: ..."]
    skipped: dict = field(default_factory=dict)  # {name: cell index} set only by dropped statements


def read_code_cells(data):
    """The sources of the code cells of a notebook, given as the bytes of its file, in order.

    Raises :class:`Ungradable` for bytes that are not JSON, JSON that is not a notebook, or a
    notebook without code cells.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise Ungradable("the file is not valid JSON (%s): it is not a saved notebook" % error) from None
    except RecursionError:
        raise Ungradable("the file nests JSON too deeply to be a saved notebook") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise Ungradable("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    sources = [source_text(cell) for cell in document["cells"]
               if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    sources = [source for source in sources if source is not None]
    if not sources:
        raise Ungradable("the notebook has no code cells")
    return sources


def source_text(cell):
    """A cell's source as one string (notebooks store it as a string or a list of lines); None if neither."""
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def extract_definitions(sources):
    """Keep imports, definitions and call-free assignments of each cell (see module docstring)."""
    transformer = TransformerManager()
    cells, problems, skipped = [], [], {}
    for index, source in enumerate(sources, start=1):
        try:
            with _PARSING:
                code = transformer.transform_cell(source)
                tree = ast.parse(code)
        except (SyntaxError, ValueError) as error:
            problems.append("code cell %d has a syntax error (%s); its definitions were skipped"
                            % (index, getattr(error, "msg", error)))
            continue
        except (RecursionError, MemoryError):
            problems.append("code cell %d nests too deeply to be read; its definitions were skipped" % index)
            continue
        kept = [statement for statement in tree.body if _is_definition(statement)]
        if kept:
            cells.append({"index": index, "code": _keep_lines(code, kept)})
        for statement in tree.body:
            names = _assigned_names(statement)
            if statement in kept:
                for name in names:
                    skipped.pop(name, None)
            else:
                skipped.update(dict.fromkeys(names, index))
    return Definitions(cells=cells, problems=problems, skipped=skipped)


def _assigned_names(statement):
    """The plain names a top-level statement binds (``a, b = ...`` gives both)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        targets = []
    return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]


def _keep_lines(code, statements):
    """The cell's text with every line outside ``statements`` blanked, so line numbers still match."""
    lines = code.splitlines()
    kept = [""] * len(lines)
    for statement in statements:
        first = min([statement.lineno] + [node.lineno for node in getattr(statement, "decorator_list", [])])
        for number in range(first, statement.end_lineno + 1):
            kept[number - 1] = lines[number - 1]
    return "\n".join(kept) + "\n"


def _is_definition(statement):
    if isinstance(statement, KEPT_STATEMENTS):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        return not any(isinstance(node, RUNS_CODE) for node in _walk_outside_lambdas(statement))
    return False


RUNS_CODE = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom,
             ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walk_outside_lambdas(node):
    """Like ``ast.walk``, but a lambda's body (not its default values) is not entered."""
    todo = [node]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for child in ast.iter_child_nodes(node)
                    if not (isinstance(node, ast.Lambda) and child is node.body))


def load_definitions(data):
    """``read_code_cells`` then ``extract_definitions``: what the sandbox will run."""
    return extract_definitions(read_code_cells(data))
