"""One budget per submission: what a student's notebook costs, in the parent and in every sandbox
run together, is bounded, and no student's grading waits for another's. Messages stay true."""
import copy
import json
import subprocess
import sys

from grader import assignments, course, sandbox, secret
from grader.verify import grade_notebook
from tests.conftest import A3, code_cell, with_cell, write_submission

MAGIC_LINES = "%ls\n"  # IPython re-tokenises a cell once per magic line: seconds for a few hundred


def _slow_first(notebook, cells, lines):
    """The notebook with ``cells`` cells of ``lines`` magic lines each in front."""
    changed = copy.deepcopy(notebook)
    changed["cells"][:0] = [code_cell(MAGIC_LINES * lines) for _ in range(cells)]
    return changed


def _verdict(root, student):
    return json.loads((root / "autograded" / student / A3 / "verdict.json").read_text())


def test_notebooks_slow_to_read_are_cut_short_and_no_one_else_waits_for_them(tmp_path, solution_notebook):
    write_submission(tmp_path, "a_many_slow_cells", _slow_first(solution_notebook, cells=8, lines=400))
    write_submission(tmp_path, "a_one_very_slow_cell", _slow_first(solution_notebook, cells=1, lines=2000))
    write_submission(tmp_path, "b_honest", solution_notebook)
    result = subprocess.run([sys.executable, "-m", "grader", "autograde", A3, "--root", str(tmp_path),
                             "--jobs", "2"], capture_output=True, text=True, cwd=course.REPOSITORY, timeout=600)
    many, one, honest = (_verdict(tmp_path, student) for student in
                         ("a_many_slow_cells", "a_one_very_slow_cell", "b_honest"))
    assert result.returncode == 1, result.stderr
    assert many["status"] == "ungradable" and "reading the notebook took longer than 20 s" in many["reason"]
    assert many["seconds"] < 25
    assert one["score"] == 13 and one["seconds"] < 15
    assert any(problem.startswith("code cell 1 ") and "skipped" in problem for problem in one["problems"])
    assert honest["score"] == 13
    assert honest["seconds"] < 8, "the honest submission waited for a slow one"


TRICKLE = '''
import os, signal, sys, time
def _keep_the_channel_busy():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    channel = int(sys.argv[-1])
    while True:
        os.write(channel, b"\\n")
        time.sleep(0.3)
def initialize_parameters(n_x, n_h, n_y, seed=0):
    _keep_the_channel_busy()
def forward_propagation(X, parameters):
    _keep_the_channel_busy()
def compute_cost(A2, Y):
    _keep_the_channel_busy()
def backward_propagation(parameters, cache, X, Y):
    _keep_the_channel_busy()
def update_parameters(parameters, grads, learning_rate):
    _keep_the_channel_busy()
'''


def test_a_child_that_keeps_writing_costs_one_budget_not_one_per_function(tmp_path, blank_notebook, a3):
    limits = sandbox.Limits(submission_seconds=10, wall_seconds=10)
    path = tmp_path / (A3 + ".ipynb")
    path.write_text(json.dumps(with_cell(blank_notebook, TRICKLE)))
    verdict = grade_notebook(path, a3, course.solution_notebook(A3), secret.one_time_secret(), "s",
                             limits=limits)
    assert verdict.score == 0
    assert verdict.seconds < limits.submission_seconds + 6, "judging after the budget takes seconds at most"
    messages = " ".join(check["message"] for check in verdict.checks)
    assert "ran out of time" in messages and "used up its 10 s of grading time" in messages


def test_definitions_that_cannot_load_say_so(solution_notebook, grade):
    verdict = grade(with_cell(solution_notebook, "class Boom:\n    import os\n    os._exit(3)\n"))
    assert verdict.score == 0
    for check in verdict.checks:
        assert "your definitions could not be loaded" in check["message"], check["message"]
        assert "crashed too many times" not in check["message"]


def test_notes_on_a_notebook_stay_few_and_short(solution_notebook, grade):
    noisy = copy.deepcopy(solution_notebook)
    noisy["cells"] += [code_cell("def broken_%d(:\n" % index) for index in range(3000)]
    noisy["cells"].append(code_cell("class Loud:\n    raise ValueError('x' * 100000)\n"))
    verdict = grade(noisy)
    assert verdict.score == 13
    assert len(verdict.problems) == 21 and verdict.problems[-1].startswith("... and 2981 more notes")
    assert len(verdict.to_json()) < 64_000


EXTREME_VALUES = '''
import numpy as np
def compute_cost(A2, Y):
    return 1e308
def update_parameters(parameters, grads, learning_rate):
    return {key: np.full_like(value, -1.7e308) for key, value in parameters.items()}
'''


def test_extreme_values_fail_their_own_checks_and_no_others(solution_notebook, grade):
    verdict = grade(with_cell(solution_notebook, EXTREME_VALUES))
    assert verdict.status == "graded"
    failed = {check["grade_id"] for check in verdict.checks if not check["passed"]}
    assert failed == {"test_compute_cost", "test_update_parameters"}
    assert verdict.score == 13 - 4


KEEP_ALIVE = '''
import os, signal, sys, threading, time
def initialize_parameters(n_x, n_h, n_y, seed=0):
    result_fd = int(sys.argv[2])
    def keep_writing():
        while True:
            os.write(result_fd, b'\\n{"event": "started", "id": "initialize_parameters/0"}\\n')
            time.sleep(0.1)
    threading.Thread(target=keep_writing, daemon=True).start()
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
'''


def test_writing_to_the_result_pipe_does_not_keep_a_call_alive(solution_notebook, tmp_path):
    """Only a call's own first events count as progress: blank lines and forged repeats do not."""
    path = tmp_path / (A3 + ".ipynb")
    path.write_text(json.dumps(with_cell(solution_notebook, KEEP_ALIVE)))
    limits = sandbox.Limits(submission_seconds=30.0, seconds_per_call=2.0)
    verdict = grade_notebook(path, assignments.load(A3), course.solution_notebook(A3), secret.one_time_secret(), "s",
                             limits=limits)
    assert verdict.score == 11, [(check["name"], check["message"]) for check in verdict.checks if not check["passed"]]
    assert verdict.seconds < 15, "the call ran past its limit of 2 s (+2 s of grace)"
    failed = [check for check in verdict.checks if not check["passed"]]
    assert all("did not finish" in check["message"] or "skipped" in check["message"] for check in failed)


def test_progress_counts_each_call_once_and_only_calls_in_the_job():
    progress = sandbox.Progress(["a/0", "b/1"])
    progress.feed(b'{"event": "loaded", "errors": []}\n\n\n{"event": "started", "id": "a/0"}\n')
    progress.feed(b'{"event": "started", "id": "a/0"}\n{"event": "started", "id": "zz"}\n{"event": "retu')
    progress.feed(b'rned", "id": "a/0", "value": {"t": "none"}}\n{"event": "raised", "id": "b/1"}\n')
    assert len(progress.times) == 3, "loaded, a/0 started, a/0 returned; b/1 finished before it started"
    progress.feed(b"x" * 100_000 + b"\n" + b'{"event": "started", "id": "b/1"}\n')
    assert len(progress.times) == 4
