"""How a wrong value is described: hints that help, and none that mislead."""
import numpy as np

from grader.checks import Evaluated, compare


def test_values_that_differ_only_where_the_answer_is_zero_are_described_so():
    expected = np.array([[0.0, 1.5, -2.0, 0.0]])
    message = compare(expected, np.array([[1.0, 1.5, -2.0, 0.0]]), "dZ")
    assert "only where the correct value is 0" in message and "about" not in message


def test_zeros_where_the_answer_is_not_are_described_so():
    expected = np.array([[0.0, 1.5, -2.0, 0.5]])
    message = compare(expected, np.array([[3.0, 0.0, 0.0, 0.0]]), "dZ")
    assert "0 wherever the correct value is not" in message


def test_a_factor_near_one_is_not_named():
    expected = np.array([1.0, 2.0, 3.0])
    assert "factor" not in compare(expected, expected * 1.01, "v")
    assert "factor of 3" in compare(expected, expected * 3, "v")
    assert "wrong sign" in compare(expected, -expected, "v")


def test_an_expression_answer_given_as_a_number_is_told_so():
    expected = Evaluated(np.array([1.0, -2.0, 0.5]), ("x", "y"))
    assert "is a number, but the correct answer depends on x, y" in compare(expected, -4.0, "df_dx")
    assert compare(Evaluated(np.array([1.0, 1.0, 1.0]), ("x",)), 1.0, "df_dq") is None
    assert "not the correct number" in compare(Evaluated(np.array([1.0, 1.0, 1.0]), ("x",)), 2.0, "df_dq")
    assert "wrong value at 1 of the 3 points" in compare(expected, np.array([1.0, -2.0, 0.6]), "df_dx")
    assert "should be a SymPy expression in x, y" in compare(expected, "x + y", "df_dx")


def test_a_flat_column_is_not_blamed_on_a_sum():
    message = compare(np.zeros((4, 1)), np.zeros(4), "b1")
    assert "second axis is missing" in message and "summed" not in message


def test_an_expression_that_is_not_finite_is_told_so():
    from grader.checks import Foreign
    expected = Evaluated(np.array([1.0, 2.0]), ("x",))
    message = compare(expected, Foreign("an expression that is not a finite real number at every point"), "L")
    assert "not a finite real number at every point (a log of 0" in message
