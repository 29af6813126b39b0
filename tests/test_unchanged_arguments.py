"""Arguments changed in place: the sandbox reports them, the parent reads the report as untrusted
data, and a check that the release promises them unchanged fails on it."""
import json

import numpy as np
import pytest

from grader import harness
from grader.results import parse_events


def sent(*args):
    """Arguments as the job sends them (encoded, then through JSON), and as the harness decodes them."""
    data = json.loads(json.dumps([harness.encode(arg) for arg in args]))
    return [harness.decode(item) for item in data], data


def test_an_untouched_call_changes_nothing_even_with_nan():
    args, data = sent(np.array([[1.0, np.nan]]), {"W1": np.ones((2, 3))}, 0.5, (1, "relu"))
    assert harness.changed_arguments(args, data) == []


@pytest.mark.parametrize("change", [
    lambda args: args[0].__setitem__((0, 0), 2.0),
    lambda args: args[1]["W1"].__isub__(0.1),
    lambda args: args[1].__setitem__("extra", 1),
    lambda args: args[1].pop("W1"),
    lambda args: args[1].__setitem__("W1", object()),
])
def test_a_change_in_place_is_reported_by_position(change):
    args, data = sent(np.array([[1.0, np.nan]]), {"W1": np.ones((2, 3))}, 0.5)
    change(args)
    assert harness.changed_arguments(args, data) in ([0], [1])


@pytest.mark.parametrize("changed, read", [
    ([1, 0, 1], (0, 1)), ([], ()), ("0", ()), ([0.0], ()), ([True], ()), ([-1], ()), ([99], ()),
    (list(range(17)), ()), (None, ()), ({"0": 1}, ()),
])
def test_the_report_is_untrusted_data(changed, read):
    line = json.dumps({"event": "returned", "id": "c", "value": harness.encode(1.0), "changed": changed})
    _, _, _, outcomes = parse_events([line], {"c"})
    assert outcomes["c"].changed == read


def test_trusted_calls_get_copies_all_the_way_down():
    """A known wrong version that changes a cache in place must not change the case for the next call."""
    from grader.checks import copy_arguments
    caches = [((np.ones((2, 3)), np.ones((4, 2))), np.zeros((4, 3)))]
    copied = copy_arguments((caches, {"W1": np.ones(2)}))
    copied[0][0][0][0][0, 0] = 5.0
    copied[1]["W1"][0] = 5.0
    assert caches[0][0][0][0, 0] == 1.0
