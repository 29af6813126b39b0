"""Command line: ``python -m grader {release,check,validate,autograde,export,report} ...``."""
import argparse
import json
import sys
from pathlib import Path

from grader import assignments, autograde, course, database, export, release, sandbox, selfcheck, validation
from grader.notebook import load_definitions


DB_HELP = ("the gradebook's SQLAlchemy URL (default: sqlite DIR/gradebook.db); "
           "e.g. postgresql://user@host/course")


def _assignment_names(name):
    return [name] if name else list(assignments.NAMES)


def command_release(arguments):
    names = [arguments.assignment] if arguments.assignment else course.released_assignments()
    for name in names:
        print("released %s" % release.release(name).relative_to(course.REPOSITORY))
    return 0


def command_check(arguments):
    summaries = []
    for name in _assignment_names(arguments.assignment):
        print("== %s" % name)
        summaries.append(selfcheck.run_selfcheck(name, jobs=arguments.jobs))
    print()
    print("\n".join(selfcheck.table(summaries)))
    failures = [failure for summary in summaries for failure in summary.failures]
    for failure in failures:
        print("FAIL " + failure, file=sys.stderr)
    print("%d problem(s)" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


def command_validate(arguments):
    """What the release's ``validate.py`` reports on a notebook, read and run as the grader does: in
    a reading process and in the sandbox, since a submission's code is not the instructor's."""
    notebook = Path(arguments.notebook)
    name = arguments.assignment or notebook.stem
    assignments.load(name)
    if not notebook.is_file():
        raise FileNotFoundError("%s is not a file" % notebook)
    data = json.loads((course.EXERCISES / name / validation.DATA_FILE).read_text(encoding="utf-8"))

    def run(job):
        result = sandbox.run_job(job)
        return result.result_lines, result.stopped_because or "the process ended"
    return validation.validate(str(notebook), data, run, read=load_definitions)


def command_autograde(arguments):
    summary = autograde.autograde(arguments.assignment, arguments.root, jobs=arguments.jobs,
                                  student=arguments.student, force=arguments.force,
                                  db_url=database.checked_url(arguments.db), scheduler=arguments.scheduler)
    return min(len(summary.ungradable), 100)


def command_feedback(arguments):
    from grader import feedback
    feedback.feedback(arguments.assignment, arguments.root, student=arguments.student)
    return 0


def command_export(arguments):
    rows = export.export(arguments.root, arguments.to, arguments.format, db_url=arguments.db)
    print("wrote %d row(s) to %s" % (rows, arguments.to))
    return 0


def command_init(arguments):
    from grader import nbgrader_course
    written = nbgrader_course.init(arguments.root, force=arguments.force)
    for path in written:
        print("wrote %s" % path)
    print("%s is ready for nbgrader generate_assignment, validate and formgrader; grade with "
          "python -m grader autograde (nbgrader autograde refuses there)" % arguments.root)
    return 0


def command_report(arguments):
    from grader import report  # imports Matplotlib, which no other command needs
    path, count = report.write_report(arguments.assignment, arguments.root, arguments.to)
    print("wrote the report on %d submission(s) to %s" % (count, path))
    return 0


def command_bench(arguments):
    from grader import bench
    bench.run(arguments.assignment, arguments.count)
    return 0


def command_demo(arguments):
    from grader import demo  # imports Matplotlib, through the report
    run = demo.run_demo(arguments.assignment, arguments.root, jobs=arguments.jobs)
    return 1 if demo.problems(run) else 0


def parser():
    main = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    sub.add_argument("assignment", nargs="?")
    sub.set_defaults(run=command_release)
    sub = commands.add_parser("check", help="test the grading of an assignment (release, solution, "
                                            "blank, mutants)")
    sub.add_argument("assignment", nargs="?")
    sub.add_argument("--jobs", type=int, default=2)
    sub.set_defaults(run=command_check)
    sub = commands.add_parser("validate", help="how the grader reads a notebook, and its checks on public cases; "
                                               "exit status 0 only when it is ready to hand in")
    sub.add_argument("notebook")
    sub.add_argument("--assignment", help="the assignment (default: the notebook's file name)")
    sub.set_defaults(run=command_validate)
    sub = commands.add_parser("autograde", help="grade DIR/submitted/<student>/ASSIGNMENT/ASSIGNMENT.ipynb; "
                                                "exit status = number of submissions that could not be graded")
    sub.add_argument("assignment")
    sub.add_argument("--root", required=True, help="the course folder DIR")
    sub.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    sub.add_argument("--student", help="grade only this student")
    sub.add_argument("--force", action="store_true", help="regrade submissions already graded")
    sub.add_argument("--scheduler", metavar="ADDRESS", help="grade on the workers of this Dask scheduler "
                                                            "(e.g. tcp://10.0.0.5:8786) instead of --jobs local processes")
    sub.add_argument("--db", help=DB_HELP)
    sub.set_defaults(run=command_autograde)
    sub = commands.add_parser("feedback", help="write an HTML feedback page per graded submission to "
                                               "DIR/feedback/<student>/ASSIGNMENT/ASSIGNMENT.html")
    sub.add_argument("assignment")
    sub.add_argument("--root", required=True, help="the course folder DIR")
    sub.add_argument("--student", help="write only this student's page")
    sub.set_defaults(run=command_feedback)
    sub = commands.add_parser("export", help="write grades as CSV")
    sub.add_argument("--root", required=True, help="the course folder DIR")
    sub.add_argument("--to", required=True, help="the CSV file to write")
    sub.add_argument("--db", help=DB_HELP)
    sub.add_argument("--format", choices=export.FORMATS, default="csv",
                     help="csv: a row per submission; lms: a row per student, a column per assignment; "
                          "checks: a row per student and check")
    sub.set_defaults(run=command_export)
    sub = commands.add_parser("report", help="write an HTML page on a class's results for ASSIGNMENT")
    sub.add_argument("assignment")
    sub.add_argument("--root", required=True, help="the course folder DIR")
    sub.add_argument("--to", help="the HTML file to write (default DIR/reports/ASSIGNMENT.html)")
    sub.set_defaults(run=command_report)
    sub = commands.add_parser("init", help="write DIR/nbgrader_config.py and link DIR/source/ to solutions/: "
                                           "nbgrader's tools work in DIR, its autograde refuses")
    sub.add_argument("root", help="the course folder DIR")
    sub.add_argument("--force", action="store_true", help="replace an existing config and source files")
    sub.set_defaults(run=command_init)
    sub = commands.add_parser("demo", help="grade a made-up class (64 students for a3) end to end (autograde, "
                                           "feedback, export, report) and print a summary")
    sub.add_argument("--assignment", default="a3_two_layer_network", help="a released assignment with mutants")
    sub.add_argument("--root", help="the new course folder to write (default: a new temporary folder, kept)")
    sub.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    sub.set_defaults(run=command_demo)
    sub = commands.add_parser("bench", help="time plain nbgrader autograde and ours (--jobs 1, 2) on the same "
                                            "class, as handed in and without training cells; print the ratios")
    sub.add_argument("--assignment", default="a3_two_layer_network")
    sub.add_argument("--count", type=int, default=40, help="submissions per class")
    sub.set_defaults(run=command_bench)
    return main


def main(argv=None):
    arguments = parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except (KeyError, ValueError, RuntimeError, FileNotFoundError, sandbox.SandboxUnavailable) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print("error: %s" % message, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
