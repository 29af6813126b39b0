"""Trusted verification of one submission: sandboxed calls, untrusted results, judged checks.

``grade_notebook`` (or ``grade_submission``, given the bytes) is the whole story for one student:

1. read the notebook and keep its definitions (``grader.notebook``); a file that cannot be read
   becomes an *ungradable* verdict with its reason, never an exception;
2. draw the secret cases from the course secret (``grader.secret``);
3. run the definitions and the calls in the sandbox (``grader.sandbox``); if the child dies or hangs
   in a call, that call fails with the reason, later calls of the same function are skipped, and
   the child is started again for the remaining functions, so every earlier result keeps its credit;
4. parse the child's lines as untrusted data and judge every check against the reference.
"""
import json
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from grader import harness, judging, localise, sandbox, secret
from grader.checks import Evaluated, Foreign, Outcome, copy_arguments
from grader.judging import _bounded_notes, explain_missing_name, judge_safely
from grader.mutants import mutant_functions
from grader.notebook import READ_SECONDS, load_definitions
from grader.results import parse_events
from grader.submission import Ungradable, read_submission

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
    timings: dict = field(default_factory=dict)    # seconds: {"reading", "sandbox" (with drawing the cases), "judging"}

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


def run_cases(cells, cases, deadline, limits=sandbox.Limits()):
    """Call the student's functions on every case, in as few sandboxes as crashes allow.

    Every run together must end by ``deadline`` (a ``time.monotonic()`` value): each run gets only
    what is left of the submission's budget. Returns ``(outcomes by case id, notes)``.
    """
    outcomes, notes = {}, []
    pending = list(cases)
    for _ in range(MAX_SANDBOX_RUNS):
        left = deadline - time.monotonic()
        if not pending or left < 1.0:
            break
        job = {"cells": cells, "calls": [_call(case) for case in pending]}
        run = sandbox.run_job(job, limits=replace(limits, wall_seconds=min(limits.wall_seconds, left)))
        loaded, load_errors, started, found = parse_events(run.result_lines, {case.id for case in pending})
        outcomes.update(found)
        notes.extend(error for error in load_errors if error not in notes)
        if not loaded:
            reason = run.stopped_because or "it stopped"
            for case in pending:
                outcomes[case.id] = Outcome(False, error="your definitions could not be loaded: " + reason)
            pending = []
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
    if time.monotonic() > deadline - 1.0:
        reason = "the submission used up its %g s of grading time" % limits.submission_seconds
    else:
        reason = "the submission crashed too many times"
    for case in pending:
        outcomes[case.id] = Outcome(False, error="not run: " + reason)
    return outcomes, notes


def run_measured(cells, cases, deadline, limits=sandbox.Limits(), returned=None):
    """Call the student's function on each case that has ``measured``, each in a sandbox of its own.

    Run after the other cases, with what is left of the submission's budget. Each outcome also
    holds the peak memory of its sandbox, as the kernel counted it (see :func:`measure_case`).
    ``returned`` names the functions that returned on at least one of the other cases: a case of
    any other function is not run (it would only fail again, at the cost of a sandbox).
    Returns the outcomes by case id.
    """
    outcomes = {}
    for case in cases:
        left = deadline - time.monotonic()
        if returned is not None and case.function not in returned:
            outcomes[case.id] = Outcome(False, error="not run: %s() returned on none of the other cases"
                                        % case.function)
            continue
        if left < 1.0:
            outcomes[case.id] = Outcome(False, error="not run: the submission used up its %g s of grading time"
                                        % limits.submission_seconds)
            continue
        outcomes[case.id] = measure_case(cells, case, replace(limits, wall_seconds=min(limits.wall_seconds, left)))
    return outcomes


def measure_case(cells, case, limits=sandbox.Limits()):
    """Run the definitions ``cells`` and the one call of ``case`` in a fresh sandbox: its :class:`Outcome`.

    The outcome's ``peak_memory_bytes`` is the most memory the sandbox's processes held at once, read
    by this process from the sandbox's memory cgroup (nothing the child says counts), or None where
    this machine gives the sandbox no memory cgroup. The call may last ``case.measured.seconds_per_call``.
    """
    run = sandbox.run_job({"cells": cells, "calls": [_call(case)]},
                          limits=replace(limits, seconds_per_call=case.measured.seconds_per_call))
    loaded, _, _, found = parse_events(run.result_lines, {case.id})
    if case.id in found:
        outcome = found[case.id]
    elif not loaded:
        outcome = Outcome(False, error="your definitions could not be loaded: " + (run.stopped_because or "it stopped"))
    else:
        outcome = Outcome(False, error="the call did not finish: " + (run.stopped_because
                                                                       or "the process ended during this call"))
    outcome.peak_memory_bytes = run.peak_memory_bytes if run.memory_limited else None
    return outcome


def _call(case):
    """The job's record of one case: what the harness calls, with what, and where it evaluates."""
    call = {"id": case.id, "function": case.function, "args": [harness.encode(arg) for arg in case.args]}
    if case.evaluate_at:
        call["evaluate_at"] = case.evaluate_at.as_job()
    if case.measured:
        call["fingerprint"] = case.measured.fingerprint()
    return call


def answer_of(case, value):
    """A trusted function's return ``value`` on ``case`` as the student's arrives from the sandbox.

    For a case with ``evaluate_at``, each SymPy expression becomes an :class:`Evaluated` (its values
    at the case's points), so it is compared with the values the sandbox sent back; anything else is
    returned unchanged.
    """
    evaluation = case.evaluate_at
    if not evaluation:
        return value
    evaluated = harness.evaluate_expressions(value, evaluation.as_job())

    def known(item, key=None):
        if isinstance(item, np.ndarray):
            return Evaluated(item, tuple(evaluation.symbols_of(key)))
        if isinstance(item, harness.Unevaluated):
            return Foreign(item.description)
        return item
    if isinstance(evaluated, dict):
        return {key: known(item, key) for key, item in evaluated.items()}
    return known(evaluated)


class Diagnoser(judging.Diagnoser):
    """Explains wrong results with the mutant whose output matches (computed here, from solutions/),
    and, when none does, with the place where the error enters (``grader.localise``)."""

    def __init__(self, assignment, solution_path):
        super().__init__(assignment.MUTANTS, assignment.CHECKS)
        self.assignment = assignment
        self.solution_path = solution_path
        self._outcomes = {}  # per submission: case ids repeat across students with other inputs
        self._located = {}

    def mutant_outcome(self, mutant, case):
        key = (mutant.id, case.id)
        if key not in self._outcomes:
            functions = mutant_functions(self.solution_path, mutant)
            try:
                args = copy_arguments(case.args)
                with np.errstate(all="ignore"):  # a known wrong version may overflow: that is its output
                    value = harness.call_target(functions, case.function, args)(*args)
                self._outcomes[key] = Outcome(True, value=answer_of(case, value),
                                              changed=tuple(harness.changed_arguments(args, _call(case)["args"])))
            except Exception as error:  # noqa: BLE001 - the mutant's own failure is what we compare
                self._outcomes[key] = Outcome(False, error=harness.describe_error(error)[0])
        return self._outcomes[key]

    def locate(self, function, cases, outcomes, expected_by_case):
        """Where the error of ``function`` enters (``grader.localise``), if the assignment declares
        the dependency structure of that function's results in ``LOCATE``; else ""."""
        layers_of = getattr(self.assignment, "LOCATE", {}).get(function)
        if layers_of is None:
            return ""
        if function not in self._located:
            mine = [case for case in cases if case.function == function]
            self._located[function] = localise.locate(layers_of, mine, outcomes, expected_by_case)
        return self._located[function]


def reference_outputs(cases, reference):
    """What the reference returns on every case, by case id (computed once per submission)."""
    return {case.id: answer_of(case, getattr(reference, case.function)(*copy_arguments(case.args))) for case in cases}


def total_points(assignment):
    """The most a submission can score: the points of all the assignment's checks."""
    return float(sum(check.points for check in assignment.CHECKS))


def grade_notebook(path, assignment, solution_path, key, student, limits=sandbox.Limits(), trusted_root=None):
    """Read the notebook at ``path`` (see ``grader.submission``) and grade it: a :class:`Verdict`.

    Below ``trusted_root`` (a course's ``submitted/`` folder) every part of ``path`` is untrusted.
    """
    try:
        data = read_submission(path, trusted_root)
    except Ungradable as error:
        return Verdict(student, assignment.NAME, "ungradable", 0.0, total_points(assignment), reason=str(error))
    return grade_submission(data, assignment, solution_path, key, student, limits=limits)


def grade_submission(data, assignment, solution_path, key, student, limits=sandbox.Limits()):
    """Grade a notebook, given as its file's bytes, for ``assignment`` (a ``grader.assignments`` module).

    ``key`` is the course secret: the secret cases are drawn from it, the student and ``data``
    (see ``grader.secret``). Everything this costs fits ``limits.submission_seconds``.
    """
    if hasattr(assignment, "prepare"):  # trusted work before any sandbox (a7 measures its own versions), unbudgeted
        assignment.prepare()
    started = time.monotonic()
    max_score = total_points(assignment)
    try:
        definitions = load_definitions(data, seconds=min(READ_SECONDS, limits.submission_seconds))
    except Ungradable as error:
        return Verdict(student, assignment.NAME, "ungradable", 0.0, max_score, reason=str(error),
                       seconds=time.monotonic() - started, timings={"reading": time.monotonic() - started})
    read = time.monotonic()
    cases = assignment.make_cases(secret.case_generator(key, assignment.NAME, student, data))
    deadline = started + limits.submission_seconds
    outcomes, notes = run_cases(definitions.cells, [case for case in cases if not case.measured], deadline,
                                limits=limits)
    returned = {case.function for case in cases if case.id in outcomes and outcomes[case.id].returned}
    outcomes.update(run_measured(definitions.cells, [case for case in cases if case.measured], deadline, limits,
                                 returned))
    ran = time.monotonic()
    diagnoser = Diagnoser(assignment, solution_path)
    expected = reference_outputs(cases, assignment.reference)
    results = [explain_missing_name(judge_safely(check, cases, outcomes, diagnoser, expected),
                                    definitions.skipped, notes) for check in assignment.CHECKS]
    score = float(sum(result.score for result in results))
    return Verdict(student, assignment.NAME, "graded", score, max_score,
                   problems=_bounded_notes(definitions.problems + ["error while defining: " + note
                                                                   for note in notes]),
                   checks=[asdict(result) for result in results], seconds=time.monotonic() - started,
                   timings={"reading": read - started, "sandbox": ran - read, "judging": time.monotonic() - ran})
