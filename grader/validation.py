"""Validate a notebook before handing it in: how the grader will read it, and its checks on public cases.

A release folder holds ``validate.py`` (this module and the parts of ``grader`` it needs, in one
file: see ``grader.validator``) and ``validate_data.json`` (public cases, what the correct
version returns on them, and what each known wrong version returns, with its diagnosis). A
student runs ``python validate.py NOTEBOOK`` in that folder; it needs only the pinned
requirements, never the course's grader, references or solutions.

It reports, in this order:

1. how the grader reads the notebook (``grader.reading``): the statements it drops, syntax errors,
   graded functions that are missing or renamed, and names that a graded function uses but that
   only a dropped statement defines, each with its cell and the fix;
2. the grader's own checks (``grader.judging``), on the public cases: each check's verdict, with
   the grader's message and, where a known wrong version did the same, its diagnosis.

The student's definitions run in a child process (``--run-job``), as the grader's harness runs
them (``grader.harness``), so a crash or an endless loop costs only the report of that call. The
exit status is 0 only when the notebook is ready to hand in: nothing the grader drops is needed,
every graded function exists, and every check that can be judged here passes. Points are still
awarded by the grader, on secret inputs of the same kind.
"""
import ast
import builtins
import difflib
import json
import os
import subprocess
import symtable
import sys
import tempfile
import time
from pathlib import Path

from grader import harness
from grader.checks import Case, Check, Evaluated, Foreign, Outcome, compare
from grader.judging import Diagnoser, _same, explain_missing_name, judge_safely
from grader.localise import Layer, locate
from grader.reading import Ungradable, _assigned_names, _cells, extract_definitions, read_code_cells, source_text
from grader.results import parse_events, parse_value

SCRIPT_FILE = "validate.py"
DATA_FILE = "validate_data.json"
MAX_RUNS = 8              # child processes per validation: one more after each call that crashes
SECONDS_PER_RUN = 120.0   # a child that takes longer is stopped; its call is reported as not finished
SHOWN_DROPS = 3           # dropped statements listed per cell
BUILTINS = frozenset(dir(builtins))  # a dropped statement that rebinds one leaves the built-in to the grader


# -- the data file: values and outcomes as plain JSON --------------------------------------------

def to_data(value):
    """``value`` (a reference's or a known wrong version's answer) as JSON data; see :func:`from_data`."""
    if isinstance(value, Evaluated):
        return {"t": "evaluated", "values": harness.encode(value.values), "symbols": list(value.symbols)}
    if isinstance(value, Foreign):
        return {"t": "other", "type": value.type_name}
    if isinstance(value, dict):
        return {"t": "dict", "items": {key: to_data(item) for key, item in value.items()}}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "items": [to_data(item) for item in value]}
    return harness.encode(value)


def from_data(data):
    """The value that :func:`to_data` wrote."""
    kind = data.get("t") if isinstance(data, dict) else None
    if kind == "evaluated":
        return Evaluated(parse_value(data["values"]), tuple(data["symbols"]))
    if kind == "dict" and isinstance(data.get("items"), dict):
        return {key: from_data(item) for key, item in data["items"].items()}
    if kind in ("tuple", "list") and isinstance(data.get("items"), list):
        items = [from_data(item) for item in data["items"]]
        return tuple(items) if kind == "tuple" else items
    return parse_value(data)


def outcome_to_data(outcome):
    return {"returned": outcome.returned, "value": to_data(outcome.value) if outcome.returned else None,
            "error": outcome.error, "line": outcome.line, "changed": list(outcome.changed)}


def outcome_from_data(data):
    return Outcome(data["returned"], value=from_data(data["value"]) if data["returned"] else None,
                   error=data["error"], line=data["line"], changed=tuple(data["changed"]))


def _path(path):
    return tuple(path)


def layer_to_data(layer):
    """A :class:`grader.localise.Layer` of a public case as JSON data."""
    return {"number": layer.number, "count": layer.count, "dZ": to_data(layer.dZ), "A_prev": to_data(layer.A_prev),
            "dW": list(layer.dW), "db": list(layer.db), "dA_prev": None if layer.dA_prev is None else list(layer.dA_prev),
            "dZ_step": layer.dZ_step}


def layer_from_data(data):
    return Layer(data["number"], data["count"], from_data(data["dZ"]), from_data(data["A_prev"]), _path(data["dW"]),
                 _path(data["db"]), None if data["dA_prev"] is None else _path(data["dA_prev"]), data["dZ_step"])


def checks_from_data(data):
    """The assignment's :class:`Check` objects as the data file describes them (``None`` for a check
    that only the grader judges), in the grader's order."""
    checks = []
    for entry in data["checks"]:
        if entry["unvalidated"]:
            checks.append(None)
            continue
        ids = frozenset(entry["cases"])
        checks.append(Check(entry["name"], entry["grade_id"], entry["function"], entry["points"],
                            parts=tuple((_path(path), label) for path, label in entry["parts"]),
                            shape_only=tuple((_path(path), label) for path, label in entry["shape_only"]),
                            judge=_recorded_judge(entry, data) if entry["recorded"] is not None else None,
                            applies_to=lambda case, ids=ids: case.id in ids,
                            unchanged=tuple((position, name) for position, name in entry["unchanged"])))
    return checks


class RecordedDiagnoser(Diagnoser):
    """A :class:`grader.judging.Diagnoser` whose known wrong versions' outcomes, and the layers of the
    backward passes it locates errors in (``grader.localise``), were recorded."""

    def __init__(self, data, checks):
        super().__init__([_Mutant(**mutant) for mutant in data["mutants"]], checks)
        self._recorded = data["mutant_outcomes"]
        self._layers = data["layers"]
        self._outcomes = {}
        self._located = {}

    def locate(self, function, cases, outcomes, expected_by_case):
        mine = [case for case in cases if case.function == function and case.id in self._layers]
        if not mine:
            return ""
        if function not in self._located:
            layers = {case.id: [layer_from_data(layer) for layer in self._layers[case.id]] for case in mine}
            self._located[function] = locate(lambda case: layers[case.id], mine, outcomes, expected_by_case)
        return self._located[function]

    def mutant_outcome(self, mutant, case):
        key = (mutant.id, case.id)
        if key not in self._outcomes:
            self._outcomes[key] = outcome_from_data(self._recorded[mutant.id][case.id])
        return self._outcomes[key]


class _Mutant:
    def __init__(self, id, function, diagnosis):  # noqa: A002 - the grader's own field names
        self.id, self.function, self.diagnosis = id, function, diagnosis


def _recorded_judge(entry, data):
    """A check's own property, judged from records: on the public cases the grader's judge gave the
    correct version a pass and each known wrong version the verdict in ``entry["recorded"]`` (its
    message and diagnosis, or None for a pass: a wrong version may break another property only). A
    student's results that do what one of these did get its verdict; any others are compared with
    the correct version's."""

    def judge(cases, outcomes):
        expected = [outcome_from_data(data["reference_outcomes"][case.id]) for case in cases]
        if all(map(_does_the_same, expected, outcomes)):
            return None
        for mutant_id, verdict in entry["recorded"].items():
            recorded = data["mutant_outcomes"][mutant_id]
            if all(_does_the_same(outcome_from_data(recorded[case.id]), got) for case, got in zip(cases, outcomes)):
                return None if verdict is None else tuple(verdict)
        for case, want, got in zip(cases, expected, outcomes):
            if not _does_the_same(want, got):
                return ("on %s, %s returns what the correct version does not" % (case.about, case.function)
                        + _difference(want, got), "")
        return None
    return judge


def _does_the_same(recorded, outcome):
    """Whether ``outcome`` is what a recorded version did: :func:`grader.judging._same`, and no key more
    or less in any dict (``_same`` reads only the recorded keys, so an empty dict would match all)."""
    return _same(recorded, outcome, None) and (not recorded.returned or _same_keys(recorded.value, outcome.value))


def _same_keys(want, got):
    if isinstance(want, dict):
        return isinstance(got, dict) and set(want) == set(got) and all(_same_keys(want[key], got[key]) for key in want)
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(want) == len(got) and all(map(_same_keys, want, got))
    return True


def _difference(want, got):
    """What differs, in the grader's words: the comparison's message, or, for a report that names its own
    first failure (a program of operations run with the student's class: "error" and "line"), that."""
    if not (want.returned and got.returned):
        return ""
    value = got.value
    if isinstance(value, dict) and isinstance(value.get("error"), str) and value["error"]:
        line = " (%s)" % value["line"] if isinstance(value.get("line"), str) and value["line"] else ""
        return ": the step %s%s" % (value["error"], line)
    try:
        message = compare(want.value, value, "the returned value")
    except TypeError:
        message = None
    return " (%s)" % message if message else " (it changes an argument in place?)"


# -- part 1: how the grader reads the notebook ---------------------------------------------------

def reading_report(definitions, functions, check_cells=()):
    """``(lines, blocking)``: what the grader keeps and drops, and the problems that cost points.

    ``check_cells`` are the numbers of the code cells that hold the release's visible checks: that
    their calls are dropped is said once, not cell by cell.
    """
    lines, blocking = [], []
    for problem in definitions.problems:
        blocking.append(problem)
    by_cell = {}
    for statement in definitions.dropped:
        by_cell.setdefault(statement["cell"], []).append(statement)
    kept_cells = [cell["index"] for cell in definitions.cells]
    lines.append("The grader runs the def and class statements, constant assignments and the imports "
                 "they use of code cells %s; everything else is dropped, never run when grading:"
                 % _numbers(kept_cells) if kept_cells else "The grader finds nothing to run in this notebook.")
    checks = sorted(set(check_cells) & set(by_cell))
    if checks:
        lines.append("  the calls of the visible checks (code cells %s): they are for you" % _numbers(checks))
    for cell, statements in sorted(by_cell.items()):
        if cell in checks:
            continue
        shown = ", ".join("line %d `%s`" % (s["line"], s["text"]) for s in statements[:SHOWN_DROPS])
        more = " and %d more" % (len(statements) - SHOWN_DROPS) if len(statements) > SHOWN_DROPS else ""
        lines.append("  code cell %d: %s%s" % (cell, shown, more))
    defined = _defined_names(definitions.cells)
    for function in functions:
        if function in defined:
            continue
        if function in definitions.skipped:
            blocking.append("%s is defined in code cell %d only by a statement the grader drops (inside a "
                            "loop, a with block or a call?): define it with a plain top-level def or class"
                            % (function, definitions.skipped[function]))
            continue
        close = difflib.get_close_matches(function, sorted(defined), n=1, cutoff=0.75)
        blocking.append("%s is not defined%s: the grader calls it by this exact name"
                        % (function, "; you define %s: was it renamed?" % close[0] if close else ""))
    for name, cell, user in _needed_but_dropped(definitions, functions):
        if name in defined:
            lines.append("  note: %s, which %s uses, is set by a statement the grader runs and again in code cell "
                         "%d by one it drops: the grader uses the value the statement it runs gives" % (name, user, cell))
            continue
        blocking.append("%s uses %s, which only a dropped statement of code cell %d sets: the grader never "
                        "runs that statement, so %s does not exist when %s is graded. Fix: make it a constant "
                        "assignment that calls nothing (NAME = 0.5), or compute it inside %s"
                        % (user, name, cell, name, user, user))
    return lines, blocking


def _numbers(numbers):
    return ", ".join(map(str, numbers))


def _defined_names(cells):
    """The top-level names that the kept code binds (as the grader's reader counts them)."""
    return {name for cell in cells for statement in ast.parse(cell["code"]).body
            for name in _assigned_names(statement)}


def _needed_but_dropped(definitions, functions):
    """``(name, cell, function)`` for each global name that a graded function (or a function or class
    it uses, found through the kept code) reads and that only a dropped statement sets."""
    reads = {}
    for cell in definitions.cells:
        reads.update(_global_reads(cell["code"]))
    found = []
    for function in functions:
        todo, visited = [function], set()
        while todo:
            name = todo.pop()
            if name in visited:
                continue
            visited.add(name)
            for read in sorted(set(reads.get(name, ())) - BUILTINS):
                if read in definitions.skipped and not any(entry[0] == read and entry[2] == function
                                                           for entry in found):
                    found.append((read, definitions.skipped[read], function))
                todo.append(read)
    return found


def _global_reads(code):
    """{top-level function or class of ``code``: the global names its body uses (nested scopes too)}."""
    reads = {}
    for table in symtable.symtable(code, "<cell>", "exec").get_children():
        if table.get_type() in ("function", "class"):
            reads[table.get_name()] = _globals_of(table)
    return reads


def _globals_of(table):
    names = set(table.get_globals()) if table.get_type() == "function" else {
        symbol.get_name() for symbol in table.get_symbols() if symbol.is_global() or (
            symbol.is_referenced() and not symbol.is_assigned() and not symbol.is_imported())}
    for child in table.get_children():
        names |= _globals_of(child)
    return names


def check_cells(content):
    """The numbers (from 1, as the grader counts code cells) of the cells that nbgrader marks as
    graded tests: the release's visible checks."""
    cells = _cells(json.loads(content))
    code = [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"
            and source_text(cell) is not None]
    return [number for number, cell in enumerate(code, start=1)
            if isinstance(cell.get("metadata"), dict) and isinstance(cell["metadata"].get("nbgrader"), dict)
            and cell["metadata"]["nbgrader"].get("grade") is True and not cell["metadata"]["nbgrader"].get("solution")]


# -- part 2: the checks on the public cases ------------------------------------------------------

def run_public_cases(cells, data, run):
    """``(outcomes by case id, load errors)``: the student's functions called on every public case, in
    processes that ``run(job)`` starts (it returns their lines and why they stopped); a call that
    crashes or hangs fails alone."""
    pending = list(data["calls"])
    outcomes, notes = {}, []
    for _ in range(MAX_RUNS):
        if not pending:
            break
        lines, stopped = run({"cells": cells, "calls": pending, "seconds_per_call": data["seconds_per_call"]})
        loaded, load_errors, started, found = parse_events(lines, {call["id"] for call in pending})
        outcomes.update(found)
        notes.extend(error for error in load_errors if error not in notes)
        if not loaded:
            return {call["id"]: Outcome(False, error="your definitions could not be loaded: " + stopped)
                    for call in data["calls"]}, notes
        unfinished = [call for call in pending if call["id"] in started and call["id"] not in outcomes]
        if unfinished:
            culprit = unfinished[0]
            outcomes[culprit["id"]] = Outcome(False, error="the call did not finish: " + stopped)
            for call in pending:
                if call["function"] == culprit["function"] and call["id"] not in outcomes:
                    outcomes[call["id"]] = Outcome(False, error="skipped: an earlier call of %s() did not "
                                                   "finish (%s)" % (culprit["function"], stopped))
        pending = [call for call in pending if call["id"] not in outcomes]
        if pending and not unfinished:
            break
    for call in pending:
        outcomes[call["id"]] = Outcome(False, error="not run: the process ended early")
    return outcomes, notes


def run_child(script, job):
    """The lines the child wrote, and why it stopped ("" if it ended by itself)."""
    with tempfile.TemporaryDirectory(prefix="validate-") as folder:
        path = Path(folder, "job.json")
        path.write_text(json.dumps(job), encoding="utf-8")
        try:
            child = subprocess.run([sys.executable, str(script), "--run-job", str(path)], capture_output=True,
                                   timeout=SECONDS_PER_RUN, cwd=folder)
        except subprocess.TimeoutExpired as stopped:
            output = stopped.stdout or b""
            return output.decode("utf-8", "replace").splitlines(), "it ran longer than %g s" % SECONDS_PER_RUN
    reason = "" if child.returncode == 0 else "the process ended with status %d" % child.returncode
    return child.stdout.decode("utf-8", "replace").splitlines(), reason or "the process ended"


def run_job_in_child(job_path):
    """In the child: run the harness on the job; events go to the original stdout, whatever the
    student's code prints goes nowhere."""
    events = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    silent = open(os.devnull, "w")
    os.dup2(silent.fileno(), 1)
    sys.stdout = silent
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    if not hasattr(harness.signal, "SIGALRM"):  # Windows: the parent's time limit is the only one
        harness.signal = _NoSignals()

    def emit(record):
        events.write(json.dumps(record) + "\n")
        events.flush()
    harness.run(job, emit)
    return 0


class _NoSignals:
    SIGALRM = SIGPROF = ITIMER_REAL = ITIMER_PROF = 0

    @staticmethod
    def signal(*args):
        return None

    @staticmethod
    def setitimer(*args):
        return None


def judge_public_cases(data, outcomes, definitions, notes):
    """The grader's :class:`Result` for every check (``None`` for one judged only by the grader)."""
    cases = [Case(call["id"], call["function"], (), data["about"][call["id"]]) for call in data["calls"]]
    checks = checks_from_data(data)
    diagnoser = RecordedDiagnoser(data, [check for check in checks if check is not None])
    expected = {case.id: outcome_from_data(data["reference_outcomes"][case.id]).value for case in cases}
    return [None if check is None else
            explain_missing_name(judge_safely(check, cases, outcomes, diagnoser, expected), definitions.skipped, notes)
            for check in checks]


# -- the report ----------------------------------------------------------------------------------

def read_here(content):
    """The notebook's :class:`grader.reading.Definitions`, read in this process (the student's own file)."""
    return extract_definitions(read_code_cells(content))


def validate(notebook, data, run, read=read_here, out=sys.stdout):
    """Validate the notebook at ``notebook`` against ``data``; print the report; the exit status.

    ``run(job)`` runs the student's definitions and calls in a process of its own (see
    :func:`run_public_cases`); ``read(content)`` keeps the definitions of the notebook's bytes.
    On a student's laptop both happen in plain child processes; ``python -m grader validate`` reads
    and runs as the grader does, with the sandbox, since the notebook may not be the instructor's.
    """
    started = time.monotonic()
    say = lambda text="": print(text, file=out)  # noqa: E731
    say("Validating %s for %s" % (notebook, data["assignment"]))
    try:
        content = Path(notebook).read_bytes()
        definitions = read(content)
    except (Ungradable, OSError) as error:
        say("NOT READY: the grader could not read this notebook: %s" % error)
        return 1
    lines, blocking = reading_report(definitions, data["functions"], check_cells(content))
    say()
    say("1. How the grader reads your notebook")
    for line in lines:
        say(line)
    outcomes, notes = run_public_cases(definitions.cells, data, run)
    blocking += ["an error while your definitions were loaded: " + note for note in notes]
    results = judge_public_cases(data, outcomes, definitions, notes)
    say()
    say("2. The grader's checks, on public cases (the grader awards points on secret cases of the same kind)")
    failed = 0
    for entry, result in zip(data["checks"], results):
        title = "%s, %s (%g point%s)" % (entry["grade_id"], entry["name"], entry["points"],
                                         "" if entry["points"] == 1 else "s")
        if result is None:
            say("  --   %s: judged only by the grader: %s" % (title, entry["unvalidated"]))
        elif result.passed:
            say("  ok   %s" % title)
        else:
            failed += 1
            say("  FAIL %s: %s" % (title, result.message))
            if result.diagnosis:
                say("       Likely cause: %s" % result.diagnosis)
    say()
    if blocking:
        say("Problems that cost points:")
        for problem in blocking:
            say("  - " + problem)
    judged = sum(result is not None for result in results)
    say("%d of %d checks pass on the public cases (%.1f s)." % (judged - failed, judged, time.monotonic() - started))
    ready = not blocking and not failed
    say("READY to hand in." if ready else "NOT READY: fix what is listed above, save, and validate again.")
    return 0 if ready else 1


def main(argv, script):
    """``validate.py NOTEBOOK`` (the student's command) or ``validate.py --run-job JOB`` (its child)."""
    if len(argv) == 2 and argv[0] == "--run-job":
        return run_job_in_child(argv[1])
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python %s NOTEBOOK.ipynb" % Path(script).name, file=sys.stderr)
        return 2
    data_path = Path(script).with_name(DATA_FILE)
    try:
        data = json.loads(data_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print("error: cannot read %s (%s): keep it beside %s, as the release has it"
              % (data_path, error, Path(script).name), file=sys.stderr)
        return 2
    if not Path(argv[0]).is_file():
        print("error: %s is not a file" % argv[0], file=sys.stderr)
        return 2
    return validate(argv[0], data, lambda job: run_child(script, job))
