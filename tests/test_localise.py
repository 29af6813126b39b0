"""grader.localise: the first wrong quantity of a backward pass, found without a catalogue.

The backward passes here are written in the test, on a three-layer network with distinct widths and
a dA returned per layer, so every rule of the walk is exercised without the sandbox.
"""
import re

import numpy as np
import pytest

from grader.checks import Case, Outcome
from grader.localise import Layer, locate

WIDTHS = (4, 6, 3, 2)  # n_x, n_1, n_2, n_3: distinct, so a transpose cannot fit


def network(rng, m):
    """Weights, layer inputs and upstream dZ of the output layer for a batch of ``m``."""
    Ws = [rng.standard_normal((WIDTHS[l + 1], WIDTHS[l])) for l in range(3)]
    As = [rng.standard_normal((width, m)) for width in WIDTHS[:3]]
    Zs = [rng.standard_normal((width, m)) for width in WIDTHS[1:3]]
    dZ3 = rng.standard_normal((WIDTHS[3], m))
    return Ws, As, Zs, dZ3


def backward(Ws, As, Zs, dZ3, mistake=None):
    """grads and the dZ of each layer (output first); ``mistake`` names one step done wrongly."""
    m = As[0].shape[1]
    grads, dZs, dZ = {}, [], (-dZ3 if mistake == "sign" else dZ3)
    if mistake == "dZ3":
        dZ = dZ + 0.25
    for l in (3, 2, 1):
        dZs.append(dZ)
        A_prev, W = As[l - 1], Ws[l - 1]
        scale = (1 / (m + 1)) if mistake == "scale" else 1 / m
        grads["dW%d" % l] = scale * dZ @ (A_prev.T + (1.0 if mistake == "dW%d" % l else 0.0))
        grads["db%d" % l] = scale * np.sum(dZ, axis=1, keepdims=True) * (3.0 if mistake == "db%d" % l else 1.0)
        if mistake == "db%d batch" % l:
            grads["db%d" % l] = scale * np.sum(dZ, axis=1, keepdims=True) + (m - 1) * 0.5
        grads["dA%d" % (l - 1)] = W.T @ dZ * (2.0 if mistake == "dA%d" % (l - 1) else 1.0)
        if l > 1:
            derivative = (Zs[l - 2] > 0) if mistake != "dZ%d" % (l - 1) else np.tanh(Zs[l - 2])
            dZ = grads["dA%d" % (l - 1)] * derivative
            if mistake == "dA%d" % (l - 1):
                dZ = W.T @ dZs[-1] * derivative
    return grads, dZs


def case_set(mistake, seed=0):
    """Cases of batch 1 and 5, the layers the trusted side knows, the student's and the right answers."""
    rng = np.random.default_rng(seed)
    cases, layers, outcomes, expected = [], {}, {}, {}
    for m in (1, 5):
        Ws, As, Zs, dZ3 = network(rng, m)
        right, dZs = backward(Ws, As, Zs, dZ3)
        wrong, _ = backward(Ws, As, Zs, dZ3, mistake)
        case = Case("backward/%d" % m, "backward", (Ws, As, Zs, dZ3), "a batch of %d" % m)
        cases.append(case)
        layers[case.id] = [Layer(l, 3, dZs[3 - l], As[l - 1], ("dW%d" % l,), ("db%d" % l,), ("dA%d" % (l - 1),),
                                 "dZ%d = dA%d * g'(Z%d)" % (l, l, l)) for l in (3, 2, 1)]
        outcomes[case.id] = Outcome(True, value=wrong)
        expected[case.id] = right
    return (lambda case: layers[case.id]), cases, outcomes, expected


def place(message):
    found = re.match(r"the error enters at (?:(dZ|dW|db|dA)(\d+) \(layer (\d+) of 3\)|the (sign|scale) )", message)
    assert found, message
    return found.group(4) or found.group(1) + found.group(2)


@pytest.mark.parametrize("mistake, where", [
    ("dZ3", "dZ3"), ("dW3", "dW3"), ("db3", "db3"), ("dA2", "dA2"), ("dZ2", "dZ2"), ("dW2", "dW2"),
    ("dA1", "dA1"), ("dZ1", "dZ1"), ("dW1", "dW1"), ("db1", "db1"), ("dA0", "dA0"),
    ("sign", "sign"), ("scale", "scale"), ("db2 batch", "db2"),
])
def test_the_first_wrong_quantity_is_named(mistake, where):
    message = locate(*case_set(mistake))
    assert place(message) == where
    assert not re.search(r"\d\.\d", message), "a localisation names places, never values"


def test_a_mistake_seen_only_on_a_batch_says_so():
    message = locate(*case_set("db2 batch"))
    assert "right on a single example but not on a batch" in message


def test_right_gradients_are_not_located():
    assert locate(*case_set(None)) == ""


def test_nothing_is_guessed_when_no_reading_is_possible():
    layers_of, cases, outcomes, expected = case_set("dZ2")
    for outcome in outcomes.values():
        outcome.value = {key: value.T for key, value in outcome.value.items()}  # every shape wrong
    assert locate(layers_of, cases, outcomes, expected) == ""


def test_calls_that_raised_are_left_out():
    layers_of, cases, outcomes, expected = case_set("dW2")
    outcomes[cases[1].id] = Outcome(False, error="ValueError: shapes")
    assert place(locate(layers_of, cases, outcomes, expected)) == "dW2"
