"""Feedback pages: one per graded student, at nbgrader's place, with every part's checks, and nothing
a student must not see (no secret input or reference output, no solution line, no script)."""
import copy
import html
import io
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from grader import course, secret
from grader.autograde import autograde
from grader.feedback import feedback, feedback_path, page
from grader.mutants import mutate_notebook
from grader.verify import Verdict, reference_outputs
from tests.conftest import A3, answered, code_cell, write_submission

SCRIPT = "<script>alert(1)</script>"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MUTANT = "backward_dW2_missing_1_over_m"
UNICODE_ID = "élève"
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def grade_id_of(cell):
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def hostile(notebook):
    """A notebook that tries to put markup on its page: in Markdown, in code, in an exception's
    message and in outputs; without the test cell of update_parameters."""
    changed = copy.deepcopy(notebook)
    changed["cells"].insert(1, {"cell_type": "markdown", "metadata": {},
                                "source": "# Hi %s\n<img src=x onerror=alert(2)> \u202eevil" % SCRIPT})
    for cell in changed["cells"]:
        if "def update_parameters(" in source_of(cell):
            cell["source"] = ("def update_parameters(parameters, grads, learning_rate):\n"
                              "    raise ValueError('%s')\n" % SCRIPT)
    changed["cells"] = [cell for cell in changed["cells"] if grade_id_of(cell) != "test_update_parameters"]
    shown = code_cell("# %s\nprint('hello')" % SCRIPT)
    shown["outputs"] = [{"output_type": "display_data", "metadata": {},
                         "data": {"text/html": "<script>alert('output')</script>",
                                  "text/plain": "OUTPUT-NEVER-SHOWN"}}]
    changed["cells"].append(shown)
    return changed


@pytest.fixture(scope="module")
def feedback_class(tmp_path_factory, blank_notebook, a3):
    """A graded class and its pages: ``(root, pages by student, seconds per page, feedback's Counts)``."""
    root = tmp_path_factory.mktemp("course")
    solved = answered(A3)
    mutant = next(mutant for mutant in a3.MUTANTS if mutant.id == MUTANT)
    write_submission(root, "correct", solved)
    write_submission(root, "mutant", mutate_notebook(solved, mutant))
    write_submission(root, "blank", blank_notebook)
    write_submission(root, "hostile", hostile(solved))
    write_submission(root, UNICODE_ID, solved)
    target = root.parent / (root.name + "_outside.ipynb")
    target.write_text(json.dumps(with_marker(solved)))
    os.symlink(target, write_submission(root, "linked", None) / (A3 + ".ipynb"))
    autograde(A3, root, jobs=2, out=io.StringIO())
    started = time.monotonic()
    counts = feedback(A3, root, out=io.StringIO())
    seconds_per_page = (time.monotonic() - started) / max(counts.pages, 1)
    print("feedback: %d pages, %.4f s per page" % (counts.pages, seconds_per_page))
    klass = course.Course(root)
    pages = {path.parent.parent.name: path.read_text(encoding="utf-8")
             for path in (klass.root / "feedback").glob("*/%s/%s.html" % (A3, A3))}
    return root, pages, seconds_per_page, counts


def with_marker(notebook):
    changed = copy.deepcopy(notebook)
    changed["cells"].append(code_cell("TARGET_ONLY = 'LINK-TARGET-CONTENT'"))
    return changed


def part_ids(a3):
    return list(dict.fromkeys(check.grade_id for check in a3.CHECKS))


def test_one_page_per_graded_student_at_nbgraders_place(feedback_class):
    root, pages, seconds_per_page, counts = feedback_class
    assert sorted(pages) == ["blank", "correct", "hostile", "linked", "mutant", UNICODE_ID]
    assert counts.pages == 6 and counts.without_notebook == 1
    assert feedback_path(course.Course(root), "correct", A3) == root / "feedback" / "correct" / A3 / (A3 + ".html")
    assert "Student: %s" % UNICODE_ID in pages[UNICODE_ID], "a unicode id, as nbgrader accepts, is graded"
    assert seconds_per_page < 1.0


def test_pages_show_score_and_every_part(feedback_class, a3):
    root, pages, _, _ = feedback_class
    for student, text in pages.items():
        verdict = Verdict.from_json((root / "autograded" / student / A3 / "verdict.json").read_text())
        assert "%g / %g points" % (verdict.score, verdict.max_score) in text
        if verdict.status == "graded":
            for grade_id in part_ids(a3):
                assert "Checks of %s: " % grade_id in text
    assert "Graded: 13 / 13 points." in pages["correct"]
    assert "Checks of test_backward_propagation: 3 / 4 points" in pages["mutant"]


def test_each_part_follows_its_graded_cell(feedback_class, a3):
    _, pages, _, _ = feedback_class
    text = pages["correct"]
    for grade_id in part_ids(a3):
        cell = text.index("(%s)</div>" % grade_id)
        block = text.index("Checks of %s: " % grade_id)
        assert cell < block and '<div class="cell' not in text[cell:block]


def test_a_part_whose_cell_is_missing_is_listed_at_the_end(feedback_class):
    _, pages, _, _ = feedback_class
    text = pages["hostile"]
    assert text.index("Graded parts whose cell is not in your notebook") < text.index(
        "Checks of test_update_parameters: 0 / 2 points")
    assert text.count("Checks of test_update_parameters") == 1


def test_mutant_and_blank_pages_explain_failures(feedback_class, a3):
    _, pages, _, _ = feedback_class
    diagnosis = next(mutant.diagnosis for mutant in a3.MUTANTS if mutant.id == MUTANT)
    assert "Likely cause: " + html.escape(diagnosis) in pages["mutant"]
    assert "Likely cause" not in pages["correct"]
    checks = pages["blank"].split("<h2>Your notebook</h2>")[1]
    messages = re.findall(r'<div class="message">(.*?)</div>', checks, re.S)
    assert messages and all("is not implemented yet" in message for message in messages)


def test_markup_from_the_notebook_is_only_escaped(feedback_class):
    _, pages, _, _ = feedback_class
    for text in pages.values():
        assert "<script" not in text.lower() and "<img" not in text.lower()
        assert "http://" not in text and "https://" not in text
        tags = re.findall(r"<[a-z][^>]*>", text, re.I)
        assert not [tag for tag in tags if re.search(r"\b(?:src|href|action)\s*=", tag, re.I)]
        style = text.split("<style>")[1].split("</style>")[0]
        assert "url(" not in style and "@import" not in style
    text = pages["hostile"]
    assert html.escape(SCRIPT) in text.split("<h2>Your notebook</h2>")[1]
    assert "failed</span> updated weights" in text and "ValueError: " + html.escape(SCRIPT, quote=True) in text
    assert "OUTPUT-NEVER-SHOWN" not in text and "alert(&#x27;output&#x27;)" not in text
    assert "\u202e" not in text and "\ufffdevil" in text


def test_student_ids_are_escaped():
    verdict = Verdict(UNICODE_ID + "<b>", A3, "ungradable", 0.0, 13.0, reason="<i>why</i>")
    text = page(verdict, None, "the notebook <is> missing")
    assert "Student: %s&lt;b&gt;" % UNICODE_ID in text
    assert "<b>" not in text and "<i>" not in text and "&lt;is&gt;" in text


def test_a_symbolic_link_shows_the_reason_and_nothing_of_its_target(feedback_class):
    _, pages, _, _ = feedback_class
    text = pages["linked"]
    assert "Could not be graded: the submission is a symbolic link, not a notebook file" in text
    assert "Your notebook is not shown: the submission is a symbolic link" in text
    assert "LINK-TARGET-CONTENT" not in text and "def forward_propagation" not in text


def numbers_in(value):
    """Every number in a case's inputs or a reference's output (arrays, dicts, tuples, scalars)."""
    if isinstance(value, dict):
        return [number for item in value.values() for number in numbers_in(item)]
    if isinstance(value, (list, tuple)):
        return [number for item in value for number in numbers_in(item)]
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return [float(number) for number in np.asarray(value, dtype=float).ravel()]
    return []


def significant_digits(text):
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mantissa)


def secret_numbers(root, student, a3):
    """The secret inputs and reference outputs of ``student``'s graded submission, at 4 and 6
    significant digits, each with at least 3 (shorter ones are in any text)."""
    data = (root / "submitted" / student / A3 / (A3 + ".ipynb")).read_bytes()
    key = secret.course_secret(root)
    cases = a3.make_cases(secret.case_generator(key, a3.NAME, student, data))
    expected = reference_outputs(cases, a3.reference)
    values = numbers_in([case.args for case in cases]) + numbers_in(list(expected.values()))
    shown = {format(abs(value), style) for value in values if abs(value) >= 1e-3 for style in (".4g", ".6g")}
    return {text for text in shown if significant_digits(text) >= 3}


def leaked_numbers(text, numbers, own_notebook):
    """The ``numbers`` (strings) found as whole numbers in the page ``text`` outside its style sheet,
    except those in the student's own notebook, which the page shows and which cannot come from
    the secret inputs."""
    found = set(NUMBER.findall(html.unescape(re.sub(r"<style>.*?</style>", "", text, flags=re.S))))
    return (found & numbers) - set(NUMBER.findall(own_notebook))


def solution_lines():
    """The lines of the solutions' solution regions, stripped, longer than 12 characters."""
    solution = json.loads(course.solution_notebook(A3).read_text())
    lines, inside = [], False
    for cell in solution["cells"]:
        for line in source_of(cell).split("\n"):
            inside = (inside or line.strip() == BEGIN) and line.strip() != END
            if inside and line.strip() != BEGIN and len(line.strip()) > 12:
                lines.append(line.strip())
    return lines


def leaked_lines(text, lines, own_notebook):
    """The solution ``lines`` shown on the page ``text`` that are not in the student's own notebook."""
    shown = html.unescape(text)
    return [line for line in lines if line not in own_notebook and line in shown]


def own_text(root, student):
    notebook = json.loads((root / "submitted" / student / A3 / (A3 + ".ipynb")).read_bytes())
    return "\n".join(source_of(cell) for cell in notebook["cells"])


def test_no_secret_number_and_no_solution_line_leaks(feedback_class, a3):
    root, pages, _, _ = feedback_class
    lines = solution_lines()
    assert len(lines) > 20
    for student in ("correct", "mutant", "blank", "hostile"):
        own = own_text(root, student)
        numbers = secret_numbers(root, student, a3)
        assert len(numbers) > 1000
        assert not leaked_numbers(pages[student], numbers, own), student
        assert not leaked_lines(pages[student], lines, own), student


def test_the_leak_searches_can_fail(feedback_class, a3):
    root, pages, _, _ = feedback_class
    numbers = secret_numbers(root, "blank", a3)
    planted = sorted(numbers)[len(numbers) // 2]
    assert leaked_numbers(pages["blank"] + "<p>%s</p>" % planted, numbers, own_text(root, "blank")) == {planted}
    own, lines = own_text(root, "blank"), solution_lines()
    planted = next(line for line in lines if line not in own)
    assert leaked_lines(pages["blank"] + html.escape(planted), lines, own) == [planted]


def test_command_line(feedback_class):
    root, pages, _, _ = feedback_class
    path = feedback_path(course.Course(root), "mutant", A3)
    path.unlink()
    run = subprocess.run([sys.executable, "-m", "grader", "feedback", A3, "--root", str(root), "--student", "mutant"],
                         capture_output=True, text=True, cwd=course.REPOSITORY, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wrote 1 feedback page(s)" in run.stderr and path.read_text(encoding="utf-8") == pages["mutant"]
    missing = subprocess.run([sys.executable, "-m", "grader", "feedback", A3, "--root", str(root),
                              "--student", "nobody"], capture_output=True, text=True, cwd=course.REPOSITORY,
                             timeout=120)
    assert missing.returncode == 2 and "no verdict" in missing.stderr and "Traceback" not in missing.stderr
