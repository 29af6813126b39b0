"""Wrong versions outside every catalogue are located: the message names where the error enters.

``tests/wrong_versions.py`` and ``tests/wrong_versions_more.py`` (two sets written independently)
hold realistic single mistakes in backward passes that no mutant
describes, each with the first quantity of the backward pass whose own computation is wrong (one
returns exactly what a catalogued mutant returns, and must get that mutant's diagnosis, which has
to fit both). Each is
graded in the sandbox like a submission; every failed check of the backward pass must name that
quantity and layer (``grader.localise``), not merely the gradient that came out wrong.
"""
import re

import pytest

from grader import assignments, course, secret
from grader.mutants import read_notebook
from tests.conftest import grade_file, with_function
from tests.wrong_versions import WRONG_VERSIONS as FIRST_SET
from tests.wrong_versions_more import WRONG_VERSIONS as SECOND_SET

WRONG_VERSIONS = FIRST_SET + SECOND_SET

BACKWARD = {"a3_two_layer_network": "backward_propagation", "a4_deep_network": "L_model_backward"}
PLACE = re.compile(r"the error enters at (?:(dZ|dW|db|dA)(\d+) \(layer (\d+) of (\d+)\)|the (sign|scale) )")


def named_place(diagnosis):
    """(quantity, layer number, number of layers) named by a diagnosis, or None.

    The layer is the one whose step computes the quantity: dA1 is made in layer 2, from W2 and dZ2.
    """
    found = PLACE.match(diagnosis)
    if not found:
        return None
    if found.group(5):
        return found.group(5), "all", None
    return found.group(1), int(found.group(3)), int(found.group(4))


def expected_layer(declared, count):
    """The layer number a declared layer ("L", "L-1", "1" or a number) means in a network of ``count``."""
    if declared == "all":
        return "all"
    if isinstance(declared, int):
        return declared
    return {"L": count, "L-1": count - 1, "1": 1}[declared]


@pytest.mark.parametrize("version", WRONG_VERSIONS, ids=[version["id"] for version in WRONG_VERSIONS])
def test_the_message_names_where_the_error_enters(version, tmp_path):
    name = version["assignment"]
    assignment = assignments.load(name)
    solution = read_notebook(course.solution_notebook(name))
    verdict = grade_file(tmp_path, name, with_function(solution, version["function"], version["source"]),
                         secret.one_time_secret())
    failed = [check for check in verdict.checks if not check["passed"]
              and check["grade_id"] == "test_" + BACKWARD[name]]
    assert failed, "the wrong version %s lost no point of %s()" % (version["id"], BACKWARD[name])
    enters = version["enters"]
    if "same_as" in version:  # it returns what a catalogued mutant returns: that diagnosis must fit it too
        mutant = next(mutant for mutant in assignment.MUTANTS if mutant.id == version["same_as"])
        assert all(check["diagnosis"] == mutant.diagnosis for check in failed)
        assert enters["quantity"] in mutant.diagnosis
        return
    for check in failed:
        place = named_place(check["diagnosis"])
        assert place is not None, "%s: check %r explains %r" % (version["id"], check["name"], check["diagnosis"])
        quantity, layer, count = place
        want_quantity = enters["quantity"]
        assert quantity == want_quantity, (version["id"], check["diagnosis"])
        if layer != "all":
            assert layer == expected_layer(enters["layer"], count), (version["id"], check["diagnosis"])
