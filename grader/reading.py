"""Read a submitted notebook defensively and keep only the code that defines things.

Grading runs the student's *definitions*, not the notebook: from every code cell the trusted
parent keeps top-level imports, ``def`` and ``class`` statements, assignments that call
nothing (``EPSILON = 1e-8``, ``relu = lambda z: np.maximum(0, z)``: a lambda's body is not run
when it is assigned) and ``try``/``if`` blocks made only of these, and drops everything else
(and the imports that nothing it keeps uses)
(training loops, plots, prints, calls to ``get_ipython()``). So a slow training cell costs no
marks, and nothing that a cell does at top level (patching, input transformers, ``sys.exit()``)
runs at all. What is kept still runs only inside the sandbox.

It imports only the standard library and IPython, and nothing else of ``grader``: the
validator that a release gives students (``grader.validation``) reads notebooks with this very
module, so a student sees exactly what the grader keeps. ``grader.notebook`` reads a submission
with it in a process of its own.
"""
import ast
import contextlib
import json
import re
import signal
import threading
from dataclasses import dataclass, field

from IPython.core.inputtransformer2 import TransformerManager

# CPython 3.11 before 3.11.8 can fail with "AST constructor recursion depth mismatch" when
# threads parse at the same time (CPython gh-106905). Submissions are read in processes of their
# own (see grader.notebook.load_definitions); threads that parse trusted notebooks in-process take
# turns here.
_PARSING = threading.Lock()
PYTHON_LINE_END = re.compile(r"\r\n|\r|\n")
BLANK_TOP = re.compile(r"(?:[ \t\f\v]*(?:\r\n|\r|\n))*")
BODY_IN_NAMESPACE = {"time", "capture", "prun"}  # cell magics whose body defines names as a cell would
KEPT_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class Ungradable(Exception):
    """The submission cannot be graded at all; the message says why, for the student and the CSV."""


@dataclass
class Definitions:
    """The kept code, one entry per code cell that still has any, and what could not be parsed."""
    cells: list      # [{"index": int, "code": str}]
    problems: list   # ["cell 4 has a syntax error: ..."]
    skipped: dict = field(default_factory=dict)  # {name: cell index} set only by dropped statements
    dropped: list = field(default_factory=list)  # [{"cell", "line", "text"}]: each dropped statement


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
    cells = _cells(document)
    if cells is None:
        raise Ungradable("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    sources = [source_text(cell) for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    sources = [source for source in sources if source is not None]
    if not sources:
        raise Ungradable("the notebook has no code cells")
    return sources


def _cells(document):
    """The notebook's list of cells (nbformat 4), or its worksheets' cells (nbformat 3); else None."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("cells"), list):
        return document["cells"]
    if isinstance(document.get("worksheets"), list):
        return [cell for sheet in document["worksheets"] if isinstance(sheet, dict)
                and isinstance(sheet.get("cells"), list) for cell in sheet["cells"]]
    return None


def source_text(cell):
    """A cell's source as one string (notebooks store it as a string or a list of lines, nbformat 3
    under "input"); None if neither."""
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def extract_definitions(sources, seconds_per_cell=None):
    """Keep imports, definitions and call-free assignments of each cell (see module docstring).

    An import that no kept statement uses is dropped too (``import matplotlib.pyplot as plt`` for a
    plot that is itself dropped): it would cost every sandbox its import time and change nothing.
    ``seconds_per_cell`` (only in a process of its own: it uses SIGALRM) skips a cell that takes
    longer to read, with a note, and goes on with the next.
    """
    problems = []
    parsed = _parse_cells(sources, seconds_per_cell, problems)
    cells, skipped, dropped = [], {}, []
    for (index, code, tree), kept in zip(parsed, kept_statements([tree for _, _, tree in parsed])):
        try:
            with _PARSING, _time_limit(seconds_per_cell):
                kept_code = _kept_code(code, kept) if kept else ""
        except (CellTooSlow, ValueError, RecursionError, MemoryError) as error:
            problems.append("code cell %d: %s; its definitions were skipped" % (index, _why_unread(error)))
            continue
        if kept:
            cells.append({"index": index, "code": kept_code})
        for statement in tree.body:
            names = _assigned_names(statement)
            if statement in kept:
                for name in names:
                    skipped.pop(name, None)
            else:
                skipped.update(dict.fromkeys(names, index))
                dropped.append({"cell": index, "line": statement.lineno,
                                "text": _first_line(code, statement)})
    return Definitions(cells=cells, problems=problems, skipped=skipped, dropped=dropped)


def _why_unread(error):
    if isinstance(error, CellTooSlow):
        return "it took too long to read"
    if isinstance(error, ValueError):
        return str(error)
    return "it nests too deeply to be read"


def _parse_cells(sources, seconds_per_cell, problems):
    """``[(index, code, tree)]`` for each code cell that parses, in order; a note in
    ``problems`` for each that does not (or that starts with a cell magic the grader does not run)."""
    parsed = []
    for index, source in enumerate(sources, start=1):
        magic = cell_magic(source)
        try:
            with _PARSING, _time_limit(seconds_per_cell):
                code, tree = _parse_cell(source, magic)
        except CellTooSlow:
            problems.append("code cell %d took longer than %g s to read (thousands of %%magic or !shell "
                            "lines?); its definitions were skipped" % (index, seconds_per_cell))
            continue
        except (SyntaxError, ValueError) as error:
            problems.append("code cell %d has a syntax error (%s); its definitions were skipped"
                            % (index, getattr(error, "msg", error)))
            continue
        except (RecursionError, MemoryError):
            problems.append("code cell %d nests too deeply to be read; its definitions were skipped" % index)
            continue
        except RuntimeError as error:  # IPython gives up on input it cannot transform
            problems.append("code cell %d could not be read as IPython input (%s); its definitions were "
                            "skipped" % (index, str(error)[:200]))
            continue
        if magic not in BODY_IN_NAMESPACE | {None}:
            problems.append("code cell %d starts with %%%%%s, which the grader does not run: definitions in "
                            "it were not read (move them to a cell of their own)" % (index, magic))
        parsed.append((index, code, tree))
    return parsed


def kept_statements(trees):
    """The top-level statements of each cell's parsed ``tree`` that grading keeps: definitions (see
    the module docstring), without the imports that none of them uses. One list per tree."""
    kept = [[statement for statement in tree.body if _is_definition(statement)] for tree in trees]
    used = _names_used(statement for statements in kept for statement in statements)
    return [[statement for statement in statements if not _unused_import(statement, used)] for statements in kept]


# Names through which code can reach a global it does not name: with any of them in the kept code,
# every import is kept.
INDIRECT_ACCESS = frozenset({"globals", "vars", "locals", "eval", "exec", "__import__", "__builtins__"})


def _names_used(statements):
    """Every name that the ``statements`` mention (read, write or delete); all of them if any may
    reach globals indirectly (see ``INDIRECT_ACCESS``): then None."""
    used = set()
    for statement in statements:
        used.update(node.id for node in ast.walk(statement) if isinstance(node, ast.Name))
    return None if used & INDIRECT_ACCESS else used


def _unused_import(statement, used):
    """Whether ``statement`` is a top-level import none of whose names is ``used`` (None: all are).

    ``from __future__`` and ``from ... import *`` imports are always kept."""
    if used is None or not isinstance(statement, (ast.Import, ast.ImportFrom)):
        return False
    if isinstance(statement, ast.ImportFrom) and (statement.module == "__future__"
                                                  or any(alias.name == "*" for alias in statement.names)):
        return False
    return not set(_assigned_names(statement)) & used


def _first_line(code, statement, limit=60):
    """The first line of ``statement`` in ``code``, stripped and cut to ``limit`` characters."""
    line = python_lines(code)[statement.lineno - 1].strip()
    return line if len(line) <= limit else line[:limit - 1] + "…"


def cell_magic(source):
    """The name of the cell magic that a cell starts with (``%%time`` gives "time"), or None.

    Like IPython, it skips the lines at the top that hold only whitespace.
    """
    first = python_lines(source[len(_blank_top(source)):])[0]
    return first[2:].split(" ", 1)[0].strip() or None if first.startswith("%%") else None


def _blank_top(source):
    """The lines at the top of ``source`` that hold only whitespace, with their line ends."""
    return BLANK_TOP.match(source).group()


class CellTooSlow(Exception):
    """Reading one cell ran past its time."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise :class:`CellTooSlow` in the block after ``seconds`` (None: no limit)."""
    if seconds is None:
        yield
        return

    def expire(signum, frame):
        raise CellTooSlow()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _parse_cell(source, magic):
    """``(code, tree)``: the cell as Python reads it or, if it is not Python, as IPython would run it.

    IPython's input transformers only rewrite what is not valid Python (``%magic``, ``!shell``,
    prompts, an indented first line), so a cell that parses is kept exactly as written. A cell
    magic (``magic``, see :func:`cell_magic`) that runs its body in the notebook's namespace
    (``%%time``, ``%%capture``, ``%%prun``) is read as its body, on the same lines.
    """
    if magic in BODY_IN_NAMESPACE:  # blank the top and the magic's line, keep the rest
        lines = python_lines(source)
        skipped = len(python_lines(_blank_top(source)))  # the blank lines and the magic's line
        source = "\n" * skipped + "\n".join(lines[skipped:])
    try:
        return source, ast.parse(source)
    except SyntaxError:
        code = TransformerManager().transform_cell(source)
        return code, ast.parse(code)


def python_lines(code):
    """The lines of ``code`` as Python numbers them: only \\n, \\r\\n and \\r end a line.

    ``str.splitlines`` also breaks at form feeds, U+2028 and other characters that Python treats
    as ordinary characters, so it must not be used on source code.
    """
    return PYTHON_LINE_END.split(code)


def _kept_code(code, statements):
    """The text of exactly ``statements``, each on its own lines of ``code``, everything else blank.

    Line numbers stay those of the cell, so errors point at the student's lines. A statement that
    shares a line with a dropped one (``import os; os.system(...)``) keeps only its own text. The
    result is parsed again and must hold exactly the kept statements, or the cell is refused.
    """
    source_lines = python_lines(code)
    lines = [""] * len(source_lines)
    for statement in statements:
        first = min([statement.lineno] + [node.lineno for node in getattr(statement, "decorator_list", [])])
        for number, line in enumerate(_statement_lines(source_lines, statement, first), start=first):
            lines[number - 1] = line if not lines[number - 1] else lines[number - 1] + "; " + line
    if lines and not lines[-1]:
        lines.pop()  # the "line" after the cell's final line end
    kept = "\n".join(lines) + "\n"
    if [ast.dump(node) for node in ast.parse(kept).body] != [ast.dump(node) for node in statements]:
        raise ValueError("its definitions could not be separated from the code around them")
    return kept


def _statement_lines(source_lines, statement, first):
    """The lines ``first``..``end_lineno`` cut to the statement (ast columns count UTF-8 bytes)."""
    start = statement.col_offset if first == statement.lineno else 0
    lines = [line.encode() for line in source_lines[first - 1:statement.end_lineno]]
    lines[-1] = lines[-1][:statement.end_col_offset]
    lines[0] = lines[0][start:]
    return [line.decode() for line in lines]


def _assigned_names(statement):
    """The plain names a top-level statement binds (``a, b = ...`` gives both)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    if isinstance(statement, (ast.Try, ast.If, ast.With, ast.For, ast.While)):
        return [name for block in _blocks(statement) for inner in block for name in _assigned_names(inner)]
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        targets = []
    return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]


def _is_definition(statement):
    """Whether a top-level statement only defines things (see the module docstring).

    ``try``/``except`` and ``if`` blocks count when every statement in them does and their tests
    run no code (``try: from scipy.special import expit`` / ``except ImportError: def expit...``).
    """
    if isinstance(statement, KEPT_STATEMENTS):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        return _runs_no_code(statement)
    if isinstance(statement, ast.Try):
        return (all(_runs_no_code(handler.type) for handler in statement.handlers if handler.type)
                and all(_only_definitions(block) for block in _blocks(statement)))
    if isinstance(statement, ast.If):
        return _runs_no_code(statement.test) and all(_only_definitions(block) for block in _blocks(statement))
    return False


def _blocks(statement):
    """The statement lists nested directly in a compound statement (``try``, ``if``, ``with``, loops)."""
    blocks = [getattr(statement, name, []) for name in ("body", "orelse", "finalbody")]
    return blocks + [handler.body for handler in getattr(statement, "handlers", [])]


def _only_definitions(block):
    return all(isinstance(statement, ast.Pass) or _is_definition(statement) for statement in block)


def _runs_no_code(node):
    return not any(isinstance(child, RUNS_CODE) for child in _walk_outside_lambdas(node))


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
