"""What a long run prints: a bar on a terminal, plain lines elsewhere, and the summary at its end."""
import io
import time

from grader.autograde import Summary
from grader.progress import Progress, summary_lines


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_a_bar_counts_done_and_failed_and_prints_only_the_failures():
    out = Terminal()
    progress = Progress(3, "submission", out)
    progress.done("ada", "13/13 (0.3 s)")
    progress.done("bob", "could not be graded: the file is not valid JSON", failed=True)
    progress.done("cy", "7/13 (0.3 s)")
    progress.close()
    text = out.getvalue()
    assert "bob: could not be graded: the file is not valid JSON" in text
    assert "ada" not in text and "cy" not in text, "successes only move the bar"
    final = text.replace("\r", "\n").strip().splitlines()[-1]
    assert "3/3" in final and "could not: 1" in final and "submission/s" in final


def test_elsewhere_each_item_is_one_plain_line():
    out = io.StringIO()
    progress = Progress(2, "submission", out)
    progress.done("ada", "13/13 (0.3 s)")
    progress.done("bob", "could not be graded: empty", failed=True)
    progress.close()
    assert out.getvalue() == "[1/2] ada: 13/13 (0.3 s)\n[2/2] bob: could not be graded: empty\n"


def test_the_summary_groups_reasons_and_describes_the_scores():
    summary = Summary(graded=4, skipped=2, ungradable=[
        ("a", "the file is not valid JSON (Expecting value: line 1)"),
        ("b", "the file is not valid JSON (Expecting ',' delimiter)"), ("c", "the notebook has no code cells")])
    lines = summary_lines("a3", summary, [13.0, 13.0, 7.0, 0.0], 13.0, time.monotonic() - 7.0)
    assert lines[0].startswith("a3: graded 4, could not grade 3, skipped 2, in 7.")
    assert lines[1] == "  scores out of 13: min 0, median 10, max 13; full marks 2, zero 1"
    assert "       2  the file is not valid JSON" in lines and "       1  the notebook has no code cells" in lines
    assert len(lines) <= 10
