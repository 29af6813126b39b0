"""Trusted verification of one submission: sandboxed calls, untrusted results, judged checks.

``grade_notebook`` is the whole story for one student:

1. read the notebook and keep its definitions (``grader.notebook``); a file that cannot be read
   becomes an *ungradable* verdict with its reason, never an exception;
2. draw the secret cases from the course secret (``grader.secret``);
3. run the definitions and the calls in the sandbox (``grader.sandbox``); if the child dies or hangs
   in a call, that call fails with the reason, later calls of the same function are skipped, and
   the child is started again for the remaining functions, so every earlier result keeps its credit;
4. parse the child's lines as untrusted data and judge every check against the reference.
"""
import json
import math
import re
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from grader import harness, sandbox
from grader.checks import Foreign, Outcome, Result, compare, compare_shape, follow
from grader.mutants import mutant_functions
from grader.notebook import Ungradable, load_definitions

ARRAY_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}
FLOAT_TYPES = {"float": float, "float64": np.float64, "float32": np.float32, "float16": np.float16}
MAX_SANDBOX_RUNS = 8


@dataclass
class Verdict:
    """Everything known about one graded submission; stored as JSON beside the autograded notebook."""
    student: str
    assignment: str
    status: str                    # "graded" or "ungradable"
    score: float
    max_score: float
    reason: str = ""               # why it could not be graded
    problems: list = field(default_factory=list)   # notes on the notebook (syntax errors, load errors)
    checks: list = field(default_factory=list)     # [Result as dict]
    seconds: float = 0.0

    def to_json(self):
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))

    def scores_by_grade_id(self):
        totals = {}
        for check in self.checks:
            totals[check["grade_id"]] = totals.get(check["grade_id"], 0.0) + (
                check["points"] if check["passed"] else 0.0)
        return totals


class Garbled(ValueError):
    """A line from the sandbox that is not a well-formed encoded value."""


def parse_value(data, depth=0):
    """Decode one value from the sandbox, trusting nothing about it (see ``harness.encode``)."""
    if depth > harness.MAX_DEPTH + 1 or not isinstance(data, dict):
        raise Garbled("not an encoded value")
    tag = data.get("t")
    if tag == "ndarray":
        dtype, shape, values = data.get("dtype"), data.get("shape"), data.get("data")
        if (dtype not in ARRAY_DTYPES or not isinstance(shape, list) or not isinstance(values, list)
                or not all(type(size) is int and size >= 0 for size in shape)
                or math.prod(shape) != len(values) or len(values) > harness.MAX_ARRAY_SIZE
                or not all(type(item) in (int, float, bool) for item in values)):
            raise Garbled("malformed array")
        return np.array(values, dtype=dtype).reshape(shape)
    if tag == "float" and type(data.get("value")) in (int, float):
        kind = FLOAT_TYPES.get(data.get("type"))
        return kind(data["value"]) if kind else Foreign("a float of an unknown type")
    if tag == "int" and type(data.get("value")) is int:
        return data["value"]
    if tag == "bool" and type(data.get("value")) is bool:
        return data["value"]
    if tag == "none":
        return None
    if tag == "str" and isinstance(data.get("value"), str):
        return data["value"]
    if tag == "dict" and isinstance(data.get("items"), dict):
        return {str(key): parse_value(item, depth + 1) for key, item in data["items"].items()}
    if tag in ("tuple", "list") and isinstance(data.get("items"), list):
        items = [parse_value(item, depth + 1) for item in data["items"]]
        return tuple(items) if tag == "tuple" else items
    if tag == "other":
        return Foreign(str(data.get("type", "an unknown object"))[:80])
    raise Garbled("unknown value tag")


def parse_events(lines, case_ids):
    """``(loaded, load_errors, started_ids, outcomes)`` from the child's lines; garbage is skipped."""
    loaded, load_errors, started, outcomes = False, [], [], {}
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        kind, case_id = event.get("event"), event.get("id")
        if kind == "loaded" and not loaded:
            loaded = True
            load_errors = [str(error)[:400] for error in event.get("errors", [])
                           if isinstance(error, str)][:20]
        elif case_id not in case_ids or case_id in outcomes:
            continue
        elif kind == "started" and case_id not in started:
            started.append(case_id)
        elif kind == "returned":
            try:
                outcomes[case_id] = Outcome(True, value=parse_value(event.get("value")))
            except (Garbled, ValueError, TypeError, RecursionError):
                outcomes[case_id] = Outcome(False, error="the returned value could not be read back")
        elif kind == "raised":
            outcomes[case_id] = Outcome(False, error=str(event.get("error", ""))[:400],
                                        line=str(event.get("line", ""))[:80])
    return loaded, load_errors, started, outcomes


def run_cases(cells, cases, slot=0, limits=sandbox.Limits()):
    """Call the student's functions on every case, in as few sandboxes as crashes allow.

    Returns ``(outcomes by case id, notes)``.
    """
    outcomes, notes = {}, []
    pending = list(cases)
    for _ in range(MAX_SANDBOX_RUNS):
        if not pending:
            break
        job = {"cells": cells, "calls": [{"id": case.id, "function": case.function,
                                          "args": [harness.encode(arg) for arg in case.args]}
                                         for case in pending]}
        run = sandbox.run_job(job, slot=slot, limits=limits)
        loaded, load_errors, started, found = parse_events(run.result_lines, {case.id for case in pending})
        outcomes.update(found)
        notes.extend(error for error in load_errors if error not in notes)
        if not loaded:
            reason = run.stopped_because or "it stopped"
            for case in pending:
                outcomes[case.id] = Outcome(False, error="your definitions could not be loaded: " + reason)
            break
        unfinished = [case.id for case in pending if case.id in started and case.id not in outcomes]
        if unfinished:
            culprit = next(case for case in pending if case.id == unfinished[0])
            reason = run.stopped_because or "the process ended during this call"
            outcomes[culprit.id] = Outcome(False, error="the call did not finish: " + reason)
            for case in pending:
                if case.function == culprit.function and case.id not in outcomes:
                    outcomes[case.id] = Outcome(False, error="skipped: an earlier call of %s() did "
                                                "not finish (%s)" % (culprit.function, reason))
        pending = [case for case in pending if case.id not in outcomes]
        if pending and not unfinished:
            reason = run.stopped_because or "the process ended early"
            for case in pending:
                outcomes[case.id] = Outcome(False, error="not run: " + reason)
            pending = []
    for case in pending:
        outcomes[case.id] = Outcome(False, error="not run: the submission crashed too many times")
    return outcomes, notes


class Diagnoser:
    """Explains wrong results with the mutant whose output matches (computed here, from solutions/)."""

    def __init__(self, assignment, solution_path):
        self.assignment = assignment
        self.solution_path = solution_path
        self._outcomes = {}  # per submission: case ids repeat across students with other inputs

    def _mutant_outcome(self, mutant, case):
        key = (mutant.id, case.id)
        if key not in self._outcomes:
            functions = mutant_functions(self.solution_path, mutant)
            try:
                value = functions[case.function](*_copy(case.args))
                self._outcomes[key] = Outcome(True, value=value)
            except Exception as error:  # noqa: BLE001 - the mutant's own failure is what we compare
                self._outcomes[key] = Outcome(False, error=harness.describe_error(error)[0])
        return self._outcomes[key]

    def explain(self, case, outcome, path):
        """The diagnosis of the first mutant that does what the student's function did, or ""."""
        for mutant in self.assignment.MUTANTS:
            if mutant.function != case.function:
                continue
            predicted = self._mutant_outcome(mutant, case)
            if _same(predicted, outcome, path):
                return mutant.diagnosis
        return ""


def _same(predicted, outcome, path):
    if not predicted.returned or not outcome.returned:
        return not predicted.returned and not outcome.returned and predicted.error == outcome.error
    try:
        want = follow(predicted.value, path) if path is not None else predicted.value
        got = follow(outcome.value, path) if path is not None else outcome.value
        return compare(_as_reference(want), got, "value") is None
    except (LookupError, TypeError):
        return False


def _as_reference(value):
    """Mutant outputs are real NumPy objects: make scalars plain floats for :func:`compare`."""
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):
        return {key: _as_reference(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_as_reference(item) for item in value)
    return value


def _copy(args):
    return tuple({k: v.copy() for k, v in arg.items()} if isinstance(arg, dict)
                 else arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args)


def reference_outputs(cases, reference):
    """What the reference returns on every case, by case id (computed once per submission)."""
    return {case.id: getattr(reference, case.function)(*_copy(case.args)) for case in cases}


def judge(check, cases, outcomes, diagnoser, expected_by_case):
    """The :class:`Result` of one check over its cases: the first failure explains itself."""
    mine = [case for case in cases if case.function == check.function
            and (check.applies_to is None or check.applies_to(case))]
    for case in mine:
        outcome = outcomes[case.id]
        if not outcome.returned:
            where = " (%s)" % outcome.line if outcome.line else ""
            message = "%s on %s raised %s%s" % (check.function, case.about, outcome.error, where)
            return _failed(check, message, diagnoser.explain(case, outcome, None))
        expected = expected_by_case[case.id]
        for path, label, shape_only in ([(p, l, False) for p, l in check.parts]
                                        + [(p, l, True) for p, l in check.shape_only]):
            try:
                got = follow(outcome.value, path)
            except LookupError as error:
                return _failed(check, "%s on %s: %s" % (check.function, case.about, error),
                               diagnoser.explain(case, outcome, None))
            want = _as_reference(follow(expected, path))
            problem = compare_shape(want, got, label) if shape_only else compare(want, got, label)
            if problem:
                return _failed(check, "on %s, %s" % (case.about, problem),
                               diagnoser.explain(case, outcome, path))
    if check.judge is not None:
        problem = check.judge(mine, [outcomes[case.id] for case in mine])
        if problem:
            return _failed(check, problem, diagnoser.explain(mine[0], outcomes[mine[0].id], None))
    return Result(check.name, check.grade_id, check.points, True)


def _failed(check, message, diagnosis):
    return Result(check.name, check.grade_id, check.points, False, message=message, diagnosis=diagnosis)


def total_points(assignment):
    """The most a submission can score: the points of all the assignment's checks."""
    return float(sum(check.points for check in assignment.CHECKS))


def explain_skipped_name(result, skipped):
    """Point a ``NameError`` at the top-level statement the grader did not run, if that is the cause."""
    match = re.search(r"NameError: name '(\w+)' is not defined", result.message)
    if result.passed or result.diagnosis or not match or match.group(1) not in skipped:
        return result
    name = match.group(1)
    result.diagnosis = (
        "%s is set at the top of code cell %d by a statement that runs code (it calls something). The "
        "grader runs only the imports, def and class statements and constant assignments of your "
        "notebook, never the rest, so %s does not exist when your function is graded: compute it "
        "inside the function that needs it." % (name, skipped[name], name))
    return result


def grade_notebook(path, assignment, solution_path, rng, student, slot=0, limits=sandbox.Limits()):
    """Grade the notebook at ``path`` for ``assignment`` (a module of ``grader.assignments``)."""
    started = time.monotonic()
    max_score = total_points(assignment)
    try:
        definitions = load_definitions(path)
    except Ungradable as error:
        return Verdict(student, assignment.NAME, "ungradable", 0.0, max_score, reason=str(error),
                       seconds=time.monotonic() - started)
    cases = assignment.make_cases(rng)
    outcomes, notes = run_cases(definitions.cells, cases, slot=slot, limits=limits)
    diagnoser = Diagnoser(assignment, solution_path)
    expected = reference_outputs(cases, assignment.reference)
    results = [explain_skipped_name(judge(check, cases, outcomes, diagnoser, expected), definitions.skipped)
               for check in assignment.CHECKS]
    score = float(sum(result.score for result in results))
    return Verdict(student, assignment.NAME, "graded", score, max_score,
                   problems=definitions.problems + ["error while defining: " + note for note in notes],
                   checks=[asdict(result) for result in results], seconds=time.monotonic() - started)
