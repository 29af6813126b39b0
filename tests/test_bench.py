"""python -m grader bench on a small class: both classes timed every way, and the breakdown."""
import io
import re

from grader import bench
from tests.conftest import A3


def test_the_second_class_keeps_every_graded_cell_and_loses_only_unmarked_code():
    notebook = bench.class_notebooks(A3, 4)[0]
    trimmed = bench.without_unmarked_code(notebook)
    removed = [cell for cell in notebook["cells"] if cell not in trimmed["cells"]]
    assert removed and all(cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader") for cell in removed)
    assert any("plt." in "".join(cell["source"]) for cell in removed), "the training cell plots"


def test_bench_prints_both_ratios_seconds_per_submission_and_where_the_time_goes():
    out = io.StringIO()
    ratios = bench.run(A3, count=4, out=out)
    text = out.getvalue()
    assert set(ratios) == {"as handed in", "training cells removed"}
    for label in ratios:
        assert set(ratios[label]) == {"nbgrader autograde", "grader --jobs 1", "grader --jobs 2"}
        assert ratios[label]["nbgrader autograde"] == 1.0 and all(ratio > 0 for ratio in ratios[label].values())
    assert len(re.findall(r"\d s per submission", text)) == 6, "three timings of each class"
    for part in ("reading the notebook", "sandbox start", "Python and NumPy import", "checks and diagnoses",
                 "gradebook rows", "once per run"):
        assert part in text
