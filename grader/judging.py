"""Judging a check: the student's outcomes against the reference's, and a diagnosis of what differs.

The same code judges in the grader (``grader.verify``, on secret cases, with known wrong
versions run on the spot) and in the validator a release gives students (``grader.validation``,
on public cases, with the outcomes of the known wrong versions recorded as data). It imports only
NumPy and the parts of ``grader`` that do too (``checks``, ``harness``), so that the validator
can carry it.
"""
import re

import numpy as np

from grader.checks import ATOL, RTOL, Evaluated, Foreign, Result, compare, compare_shape, follow, mask_values
from grader.harness import clean_text

MAX_NOTES = 20
MAX_MESSAGE_CHARS = 600


class Diagnoser:
    """Explains wrong results with the first known wrong version (mutant) that did what the student's
    function did. Subclasses say where a mutant's outcome on a case comes from (:meth:`mutant_outcome`)
    and may locate the error in other ways (:meth:`locate`).

    ``mutants`` have ``id``, ``function`` and ``diagnosis``; ``checks`` are the assignment's checks
    (their parts say what a check compares).
    """

    def __init__(self, mutants, checks):
        self.mutants = mutants
        self.checks = checks

    def mutant_outcome(self, mutant, case):
        raise NotImplementedError

    def locate(self, function, cases, outcomes, expected_by_case):
        """Where the error of ``function`` enters, in words, or "" (see ``grader.localise``)."""
        return ""

    def explain(self, case, outcome, path, expected=None, others=()):
        """The diagnosis of the first mutant that does what the student's function did, or "".

        With ``expected`` (the reference's answer on ``case``), a mutant that is wrong on a part
        that the student got right (any part that a check of this function compares) names another
        mistake than the student's, and explains nothing. ``others`` are more ``(case, outcome)``
        pairs of the same function: the mutant must do what the student's function did on those
        too (two mistakes can agree on a batch of one and differ on a batch of five).
        """
        for mutant in self.mutants:
            if mutant.function != case.function:
                continue
            predicted = self.mutant_outcome(mutant, case)
            if _same(predicted, outcome, path) and not (
                    expected is not None and self._wrong_where_student_is_right(case, predicted, outcome, expected)
            ) and all(_same(self.mutant_outcome(mutant, other), seen, path) for other, seen in others):
                return mutant.diagnosis
        return ""

    def _wrong_where_student_is_right(self, case, predicted, outcome, expected):
        if not (predicted.returned and outcome.returned):
            return False
        paths = [path for check in self.checks if check.function == case.function
                 for path, _ in tuple(check.parts) + tuple(check.shape_only)]
        return any(_right(expected, outcome.value, path) and not _right(expected, predicted.value, path)
                   for path in paths)


def _right(expected, value, path):
    """Whether ``value`` equals the reference's ``expected`` at ``path`` (False if it cannot tell)."""
    try:
        got = follow(value, path)
        if isinstance(got, Evaluated):  # a known wrong version's answer, as values
            got = got.values
        return compare(_as_reference(follow(expected, path)), got, "value") is None
    except (LookupError, TypeError, ArithmeticError, ValueError):
        return False


def _same(predicted, outcome, path):
    if not predicted.returned or not outcome.returned:
        return not predicted.returned and not outcome.returned and predicted.error == outcome.error
    if path is None and predicted.changed != outcome.changed:
        return False
    try:
        want = follow(predicted.value, path) if path is not None else predicted.value
        got = follow(outcome.value, path) if path is not None else outcome.value
        return _alike(_as_reference(want), got)
    except (LookupError, TypeError, ArithmeticError, ValueError):
        return False


def _alike(want, got):
    """Whether a known wrong version's answer ``want`` is the student's ``got``: as :func:`compare`
    judges a right answer, except that NaN and infinities in the same places are alike too."""
    if isinstance(want, Foreign):  # a known wrong version's answer that is not a value, described
        return isinstance(got, Foreign) and got.type_name == want.type_name
    if isinstance(want, np.ndarray) and not np.all(np.isfinite(want)):
        return (isinstance(got, np.ndarray) and got.dtype == want.dtype and got.shape == want.shape
                and bool(np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True)))
    if isinstance(want, dict):
        return isinstance(got, dict) and all(key in got and _alike(want[key], got[key]) for key in want)
    if isinstance(want, (tuple, list)):
        return type(got) is type(want) and len(got) == len(want) and all(map(_alike, want, got))
    return compare(want, got, "value") is None


def _as_reference(value):
    """Mutant outputs are real NumPy objects: make scalars plain floats for :func:`compare`."""
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):
        return {key: _as_reference(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_as_reference(item) for item in value)
    return value


def judge(check, cases, outcomes, diagnoser, expected_by_case):
    """The :class:`Result` of one check over its cases: the first failure explains itself."""
    mine = [case for case in cases if case.function == check.function
            and (check.applies_to is None or check.applies_to(case))]
    others = [(case, outcomes[case.id]) for case in mine]
    for case in mine:
        outcome = outcomes[case.id]
        if not outcome.returned:
            where = " (%s)" % outcome.line if outcome.line else ""
            message = "%s on %s raised %s%s" % (check.function, case.about, outcome.error, where)
            return _failed(check, message, diagnoser.explain(case, outcome, None, others=others))
        expected = expected_by_case[case.id]
        for path, label, shape_only in ([(p, l, False) for p, l in check.parts]
                                        + [(p, l, True) for p, l in check.shape_only]):
            try:
                got = follow(outcome.value, path)
            except LookupError as error:
                return _failed(check, "%s on %s: %s" % (check.function, case.about, error),
                               diagnoser.explain(case, outcome, None, expected, others))
            want = _as_reference(follow(expected, path))
            problem = compare_shape(want, got, label) if shape_only else compare(want, got, label)
            if problem:
                return _failed(check, "on %s, %s" % (case.about, problem),
                               diagnoser.explain(case, outcome, path, expected, others)
                               or diagnoser.locate(check.function, cases, outcomes, expected_by_case))
        changed = [name for position, name in check.unchanged if position in outcome.changed]
        if changed:
            return _failed(check, "on %s, %s changed its argument %s in place: leave the arguments as they "
                           "were (the caller may still need them) and return new arrays" % (
                               case.about, check.function, " and ".join(changed)),
                           diagnoser.explain(case, outcome, None, expected, others))
    if check.judge is not None:
        problem = check.judge(mine, [outcomes[case.id] for case in mine])
        if isinstance(problem, tuple):  # (message, diagnosis): a judge that names the mistake itself
            return _failed(check, *problem)
        if problem:
            return _failed(check, problem, diagnoser.explain(mine[0], outcomes[mine[0].id], None, others=others))
    return Result(check.name, check.grade_id, check.points, True)


def judge_safely(check, cases, outcomes, diagnoser, expected_by_case):
    """:func:`judge`, except that a check the grader cannot judge fails alone, with a reason.

    The values judged are the student's; whatever they are, one check never costs the others.
    """
    try:
        return judge(check, cases, outcomes, diagnoser, expected_by_case)
    except Exception as error:  # noqa: BLE001 - a comparison the student's values break
        return _failed(check, "the returned value could not be compared with the correct one (%s)"
                       % type(error).__name__, "")


def _failed(check, message, diagnosis):
    """A failed check; its message passes the one gate that keeps values off every verdict."""
    return Result(check.name, check.grade_id, check.points, False, message=_shown(message), diagnosis=diagnosis)


def _shown(text):
    """``text`` as a verdict may show it: values masked, control characters replaced, cut short."""
    return clean_text(mask_values(text), MAX_MESSAGE_CHARS)


def _bounded_notes(notes):
    """At most ``MAX_NOTES`` notes, each shown like a message."""
    kept = [_shown(note) for note in notes[:MAX_NOTES]]
    return kept + (["... and %d more notes like these" % (len(notes) - MAX_NOTES)] if len(notes) > MAX_NOTES else [])


MISSING_NAME = re.compile(r"NameError: (?:name '(\w+)' is not defined|no function named (\w+) is defined)")


def explain_missing_name(result, skipped, load_errors):
    """Explain a missing name: set by a top-level statement the grader did not run, or lost to an
    error while the definitions were loaded."""
    match = MISSING_NAME.search(result.message)
    if result.passed or result.diagnosis or not match:
        return result
    name = match.group(1) or match.group(2)
    if name in skipped:
        result.diagnosis = (
            "%s is set in code cell %d by a statement that runs code (it calls something, or it is a "
            "loop or a with block). The grader runs only the imports, def and class statements and "
            "constant assignments of your notebook, never the rest, so %s does not exist when your "
            "function is graded: define it at the top level of a cell, or compute it inside the "
            "function that needs it." % (name, skipped[name], name))
    elif load_errors:
        result.diagnosis = _shown("%s was not defined; an error while your definitions were loaded may "
                                  "be why: %s" % (name, load_errors[0]))
    return result
