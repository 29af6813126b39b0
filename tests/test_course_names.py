"""Every assignment the book or a release names exists: graded, released, and where the text says."""
import re

import pytest

from grader import assignments, course

FULL_NAME = re.compile(r"\ba\d+_[a-z_]*[a-z]\b")
CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```", re.M | re.S)  # code names such as a2_value are not assignments
SHORT_NAME = re.compile(r"\b[Aa]ssignments? (a\d+)\b")
TEXTS = ["preface.md", *sorted(str(path.relative_to(course.REPOSITORY)) for path in (course.REPOSITORY / "chapters").glob("*.md"))]


@pytest.mark.parametrize("text", TEXTS)
def test_every_assignment_named_exists(text):
    source = CODE_CELL.sub("", (course.REPOSITORY / text).read_text(encoding="utf-8"))
    for name in set(FULL_NAME.findall(source)):
        assert name in assignments.NAMES, "%s names %s, which has no grader" % (text, name)
        assert course.release_notebook(name).is_file(), "%s names %s, which has no release" % (text, name)
    short = {name.split("_")[0] for name in assignments.NAMES}
    for number in set(SHORT_NAME.findall(source)):
        assert number in short, "%s names assignment %s, which does not exist" % (text, number)


def test_the_preface_lists_every_assignment():
    preface = (course.REPOSITORY / "preface.md").read_text(encoding="utf-8")
    assert set(FULL_NAME.findall(preface)) == set(assignments.NAMES)


def test_the_test_finds_a_name_that_does_not_exist():
    assert FULL_NAME.findall("see `a7_complexity` and a3_two_layer_network.") == ["a7_complexity",
                                                                                 "a3_two_layer_network"]
    assert SHORT_NAME.findall("Assignment a9 practises it") == ["a9"]
