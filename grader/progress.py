"""Progress of a long run over a class, and the summary at its end.

On a terminal a bar (tqdm) shows how many are done, how many could not be done, the rate and the
time left, and each problem is printed above it; when the output is a file or a pipe (CI logs, a
cron job), each item is one plain line instead, and nothing is redrawn.
"""
import statistics
import time
from collections import Counter

from tqdm import tqdm

SHOWN_REASONS = 5


class Progress:
    """Report ``total`` items of work, as each finishes (``done``), to the stream ``out``."""

    def __init__(self, total, unit, out):
        self.total, self.out, self.count, self.failed = total, out, 0, 0
        self.bar = None
        if total and hasattr(out, "isatty") and out.isatty():
            self.bar = tqdm(total=total, unit=unit, file=out, dynamic_ncols=True, smoothing=0.1)

    def done(self, name, line, failed=False):
        """One item finished: ``line`` says how (for the plain output, and for a failure on the bar)."""
        self.count += 1
        self.failed += failed
        if self.bar is None:
            print("[%d/%d] %s: %s" % (self.count, self.total, name, line), file=self.out, flush=True)
            return
        if failed:
            self.bar.write("%s: %s" % (name, line), file=self.out)
        self.bar.set_postfix_str("could not: %d" % self.failed, refresh=False)
        self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def summary_lines(title, summary, scores, max_score, started):
    """The end of an ``autograde`` run on one screen: counts, scores, the most common reasons for
    not grading, time. ``summary`` is an ``autograde.Summary``; ``scores`` the scores graded now."""
    seconds = time.monotonic() - started
    done = summary.graded + len(summary.ungradable)
    lines = ["%s: graded %d, could not grade %d, skipped %d, in %.1f s"
             % (title, summary.graded, len(summary.ungradable), summary.skipped, seconds)]
    if scores:
        lines.append("  scores out of %g: min %g, median %g, max %g; full marks %d, zero %d"
                     % (max_score, min(scores), statistics.median(scores), max(scores),
                        sum(score == max_score for score in scores), sum(score == 0 for score in scores)))
    if done and seconds > 0:
        lines.append("  %.2f s per submission graded or refused in this run" % (seconds / done))
    reasons = Counter(_reason_kind(reason) for _, reason in summary.ungradable)
    if reasons:
        lines.append("  could not grade, by reason:")
        for reason, count in reasons.most_common(SHOWN_REASONS):
            lines.append("    %4d  %s" % (count, reason))
        others = sum(reasons.values()) - sum(count for _, count in reasons.most_common(SHOWN_REASONS))
        if others:
            lines.append("    %4d  other reasons (see the lines above or the export)" % others)
    return lines


def _reason_kind(reason, limit=100):
    """A reason without the parts that differ between students (file names in parentheses), cut."""
    kind = reason.split(" (")[0]
    return kind if len(kind) <= limit else kind[:limit - 1] + "…"
