"""``python -m grader check``: every assignment's grading is itself tested, and the table says so."""
import io
from collections import Counter

import pytest

from grader import assignments, selfcheck
from grader.__main__ import main


@pytest.mark.parametrize("name", assignments.NAMES)
def test_every_graded_function_has_at_least_five_mutants(name):
    assignment = assignments.load(name)
    graded = {check.function for check in assignment.CHECKS}
    counts = Counter(mutant.function for mutant in assignment.MUTANTS)
    assert {function: counts[function] for function in graded if counts[function] < 5} == {}


@pytest.mark.parametrize("name", assignments.NAMES)
def test_selfcheck_passes_and_fills_its_row(name):
    summary = selfcheck.run_selfcheck(name, out=io.StringIO())
    assert summary.failures == []
    assert summary.points > 0 and summary.solution_score == summary.points
    assert summary.blank_score == 0
    assert summary.mutants_caught == summary.mutants == len(assignments.load(name).MUTANTS)


def test_table_has_a_row_per_assignment():
    rows = [selfcheck.Summary("a9_example", 12, 12, 0, 7, 7), selfcheck.Summary("a8_other", 5, 4, 0, 2, 3, ["x"]),
            selfcheck.Summary("a6_written", 20, 20, 0, 5, 5, by_hand=6)]
    lines = selfcheck.table(rows)
    assert len(lines) == 5
    assert lines[1].split() == ["a9_example", "12", "-", "12", "0", "7/7", "ok"]
    assert lines[2].split() == ["a8_other", "5", "-", "4", "0", "2/3", "FAIL"]
    assert lines[3].split() == ["a6_written", "20", "6", "20", "0", "5/5", "ok"]
    assert "written answers" in lines[4]


def test_check_command_exits_nonzero_for_an_unknown_assignment(capsys):
    assert main(["check", "a0_no_such_assignment"]) == 2
    assert "no grader for assignment" in capsys.readouterr().err
