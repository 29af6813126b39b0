"""Wrong versions of a7 and a8 that no mutant describes lose points where the mistake is, and only there.

``tests/wrong_versions_part3.py`` holds independent correct versions of the graded functions of
a7_complexity and a8_autodiff_engine and realistic single mistakes in them, written from the release
notebooks and the chapters without the assignment modules. Each wrong version is graded in the
sandbox like a submission: the release with the correct versions in every cell but one. It must lose
points on the grade cell of the function it breaks and on no other grade cell; the correct versions
score full marks.

The cases are drawn from a fixed key, so that a run is reproducible. Known gaps are marked ``xfail``:
strict where every one of seven gradings with fresh keys showed the gap, not strict where only some
did: then whether it shows depends on the secret cases (or, for a7's slow version, on the machine's
speed).
"""
import functools
import hashlib
import tempfile

import pytest

from grader import course
from grader.mutants import read_notebook
from tests.conftest import grade_file, with_function
from tests.wrong_versions_part3 import ASSIGNMENTS, CORRECT, WRONG_VERSIONS

KEY = hashlib.sha256(b"tests/test_wrong_versions_part3.py").digest()

OPERATION_ALSO_COSTS_PART_2 = (
    "a mistake in one operation of Value also fails part 2's checks (random graphs, backward() twice, "
    "zero_grad()), whose programs use that operation, although topological_order, backpropagate and "
    "zero_gradients are right")

# (version id, "loses" or "elsewhere") -> (strict, reason)
KNOWN_GAPS = {
    ("a7_checkpointed_recomputes_from_X_for_every_layer", "loses"): (
        False, "right gradients in little memory, so nothing is wrong but the time (about 10 s instead of "
               "under 1 s on the large network): it lost the memory points to the time limit of the call in 6 "
               "gradings of 7, and scored full marks in the other"),
    ("a8_zero_gradients_skips_nodes_with_a_value_already_seen", "loses"): (
        False, "caught only when a hidden program has two distinct nodes with equal values (5 gradings of 7)"),
    ("a8_division_denominator_derivative_without_minus", "elsewhere"): (True, OPERATION_ALSO_COSTS_PART_2),
    ("a8_mul_records_the_input_values_as_local_derivatives", "elsewhere"): (True, OPERATION_ALSO_COSTS_PART_2),
    ("a8_tanh_derivative_parenthesised_wrong", "elsewhere"): (True, OPERATION_ALSO_COSTS_PART_2),
    ("a8_relu_derivative_from_the_output_sign", "elsewhere"): (False, OPERATION_ALSO_COSTS_PART_2
                                                                + " (6 gradings of 7)"),
    ("a8_pow_negative_exponent_moved_toward_zero", "elsewhere"): (False, OPERATION_ALSO_COSTS_PART_2
                                                                  + " (4 gradings of 7)"),
}


def correct_notebook(name):
    notebook = read_notebook(course.release_notebook(name))
    for marker, source in CORRECT[name].items():
        notebook = with_function(notebook, marker, source)
    return notebook


@functools.lru_cache(maxsize=None)
def verdict_of(ident):
    """The verdict on the correct notebook of an assignment, or on one wrong version, graded once."""
    if ident in ASSIGNMENTS:
        name, notebook = ident, correct_notebook(ident)
    else:
        version = VERSIONS[ident]
        name = version["assignment"]
        notebook = with_function(correct_notebook(name), version["cell"], version["source"])
    with tempfile.TemporaryDirectory() as folder:
        return grade_file(folder, name, notebook, KEY, "student")


VERSIONS = {version["id"]: version for version in WRONG_VERSIONS}


def cases(kind):
    params = []
    for version in WRONG_VERSIONS:
        gap = KNOWN_GAPS.get((version["id"], kind))
        marks = [pytest.mark.xfail(strict=gap[0], reason=gap[1])] if gap else []
        params.append(pytest.param(version["id"], id=version["id"], marks=marks))
    return params


def failed_checks(verdict):
    return [check for check in verdict.checks if not check["passed"]]


def describe(failed):
    return "; ".join("%s [%s]: %s %s" % (check["name"], check["grade_id"], check["message"], check["diagnosis"])
                     for check in failed)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_correct_versions_score_full_marks(name):
    verdict = verdict_of(name)
    assert verdict.status == "graded" and not verdict.problems, (verdict.reason, verdict.problems)
    assert verdict.score == verdict.max_score, describe(failed_checks(verdict))


@pytest.mark.parametrize("ident", cases("loses"))
def test_a_wrong_version_loses_points_on_the_function_it_breaks(ident):
    version = VERSIONS[ident]
    verdict = verdict_of(ident)
    assert verdict.status == "graded", verdict.reason
    assert verdict.score < verdict.max_score, "%s scored full marks" % ident
    assert any(check["grade_id"] == version["grade_id"] for check in failed_checks(verdict)), (
        "%s breaks %s but loses no point of %s: %s" % (ident, version["function"], version["grade_id"],
                                                       describe(failed_checks(verdict))))


@pytest.mark.parametrize("ident", cases("elsewhere"))
def test_a_wrong_version_loses_no_point_on_a_function_it_does_not_break(ident):
    version = VERSIONS[ident]
    elsewhere = [check for check in failed_checks(verdict_of(ident)) if check["grade_id"] != version["grade_id"]]
    assert not elsewhere, "%s breaks only %s, yet fails %s" % (ident, version["function"], describe(elsewhere))
