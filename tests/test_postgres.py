"""A course's gradebook on a PostgreSQL server: autograde, regrade and export with ``--db URL``.

The session starts a throwaway server (``initdb`` into a temporary folder, listening only on a
Unix socket in that folder, no TCP) and removes it afterwards. PostgreSQL refuses to run as root:
as root (CI), the server runs as the unprivileged ``postgres`` account that Debian's package
creates. Without the server's binaries (Debian's package ``postgresql``) the tests are skipped,
loudly, except in CI (environment CI=true), where they fail.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest
from nbgrader.api import Grade, Gradebook, SubmittedAssignment
from sqlalchemy import create_engine, text

from grader import database
from grader.__main__ import main as grader_main
from grader.verify import Verdict
from tests.conftest import A3, with_function, without_function, write_submission
from tests.test_autograde import grader_command, read_csv
from tests.wrong_versions import WRONG_VERSIONS

POSTGRES_BINARIES = Path("/usr/lib/postgresql")   # Debian: /usr/lib/postgresql/<version>/bin, off PATH
SERVER_ACCOUNT = "postgres"                       # created by Debian's package
ROLE = "grader"
PASSWORD = "s3cret-Passw0rd"
DATABASE = "course"
NOTEBOOK = A3                                     # the gradebook's notebook name: the assignment's
MISSING = ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: install Debian's package "
           "`postgresql` (make system-deps) to test the gradebook on a PostgreSQL server")


def server_bin():
    """The ``bin`` folder of the newest PostgreSQL installed; skips (fails in CI) when there is none."""
    folders = sorted((path.parent for path in POSTGRES_BINARIES.glob("*/bin/pg_ctl")
                      if (path.parent / "initdb").is_file()),
                     key=lambda folder: [int(part) for part in folder.parent.name.split(".") if part.isdigit()])
    if folders:
        return folders[-1]
    if os.environ.get("CI") == "true":
        pytest.fail(MISSING)
    warnings.warn(MISSING)
    pytest.skip(MISSING)


def as_server_account():
    """The command prefix that runs a server binary as an account PostgreSQL accepts: as root, the
    ``postgres`` account (through setpriv); otherwise nothing (the current user)."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam(SERVER_ACCOUNT)
    return ["setpriv", "--reuid=%d" % account.pw_uid, "--regid=%d" % account.pw_gid, "--clear-groups",
            "--reset-env"]


def run_server_tool(command, folder):
    result = subprocess.run(as_server_account() + command, cwd=folder, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, "%s failed:\n%s%s" % (command[0], result.stdout, result.stderr)


@pytest.fixture(scope="session")
def postgres():
    """The URL of an empty database ``DATABASE`` on a running PostgreSQL server, owned by the role
    ``ROLE`` (password ``PASSWORD``); the server listens on a Unix socket in its temporary folder only."""
    binaries = server_bin()
    running_as_root = os.geteuid() == 0
    # As root, in /tmp: the account must reach it, and root's own temporary folders may be private.
    folder = Path(tempfile.mkdtemp(prefix="grader-postgres-", dir="/tmp" if running_as_root else None))
    data = folder / "data"
    (folder / "password").write_text(PASSWORD + "\n")
    if running_as_root:
        account = pwd.getpwnam(SERVER_ACCOUNT)
        for path in (folder, folder / "password"):
            os.chown(path, account.pw_uid, account.pw_gid)
    options = "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off" % folder
    try:
        run_server_tool([str(binaries / "initdb"), "--pgdata", str(data), "--username", ROLE, "--pwfile",
                         str(folder / "password"), "--auth", "scram-sha-256", "--no-sync", "--no-locale",
                         "--encoding", "UTF8"], folder)
        run_server_tool([str(binaries / "pg_ctl"), "--pgdata", str(data), "--log", str(folder / "server.log"),
                         "-o", options, "-w", "start"], folder)
        create_database(server_url(folder, "postgres"), DATABASE)
        yield server_url(folder, DATABASE)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(as_server_account() + [str(binaries / "pg_ctl"), "--pgdata", str(data), "-m", "immediate",
                                                  "-w", "stop"], cwd=folder, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def server_url(folder, name):
    """The URL of database ``name`` on the server whose socket is in ``folder``, as ``ROLE``."""
    return "postgresql://%s:%s@/%s?host=%s" % (ROLE, PASSWORD, name, folder)


def create_database(url, name):
    engine = create_engine(database.gradebook_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE %s" % name))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def postgres_class(tmp_path_factory, postgres, solution_notebook, blank_notebook):
    """A small class (correct, blank, a wrong backward pass, a broken file) autograded with ``--db``
    into the PostgreSQL database; the course folder."""
    root = tmp_path_factory.mktemp("course")
    wrong = next(version for version in WRONG_VERSIONS if version["assignment"] == A3)
    write_submission(root, "correct", solution_notebook)
    write_submission(root, "blank", blank_notebook)
    write_submission(root, "wrong_backward", with_function(solution_notebook, wrong["function"], wrong["source"]))
    write_submission(root, "broken", b"{\"cells\": [")
    result = grader_command("autograde", A3, "--root", str(root), "--jobs", "2", "--db", postgres)
    assert result.returncode == 1, result.stderr   # one submission could not be graded: broken
    assert "graded 3, could not grade 1" in result.stderr
    return root


def class_verdicts(root):
    """``{student: Verdict}`` of every verdict.json of the course folder ``root``."""
    return {path.parent.parent.name: Verdict.from_json(path.read_text(encoding="utf-8"))
            for path in (Path(root) / "autograded").glob("*/%s/verdict.json" % A3)}


def assert_gradebook_matches_verdicts(db_url, verdicts):
    """The gradebook at ``db_url`` holds one submission per verdict, no other, and every code grade
    cell's automatic score is the verdict's score for that grade_id (at most the cell's points)."""
    with Gradebook(database.gradebook_url(db_url)) as book:
        assert sorted(submission.student_id for submission in book.assignment_submissions(A3)) == sorted(verdicts)
        cells = book.find_notebook(NOTEBOOK, A3).grade_cells
        assert cells
        for student, verdict in verdicts.items():
            scores = verdict.scores_by_grade_id()
            for cell in cells:
                grade = book.find_grade(cell.name, NOTEBOOK, A3, student)
                assert grade.auto_score == min(scores.get(cell.name, 0.0), cell.max_score), (student, cell.name)
            assert book.find_submission(A3, student).score == verdict.score, student
        assert book.db.query(SubmittedAssignment).count() == len(verdicts)
        assert book.db.query(Grade).count() == len(verdicts) * len(cells)


def test_gradebook_rows_are_the_verdicts_scores(postgres_class, postgres):
    verdicts = class_verdicts(postgres_class)
    assert {student: verdict.status for student, verdict in verdicts.items()} == {
        "correct": "graded", "blank": "graded", "wrong_backward": "graded", "broken": "ungradable"}
    assert verdicts["correct"].score == verdicts["correct"].max_score > verdicts["wrong_backward"].score > 0
    assert verdicts["blank"].score == 0
    assert_gradebook_matches_verdicts(postgres, verdicts)
    assert not (postgres_class / "gradebook.db").exists(), "nothing may go to the default SQLite gradebook"


def test_export_from_postgres_is_the_export_from_sqlite(postgres_class, postgres, tmp_path, capsys):
    """The same class (same submissions, same course secret) graded into SQLite exports the same CSV.
    The exports run as ``python -m grader export`` would, in this process (starting one costs seconds)."""
    sqlite_root = tmp_path / "sqlite_course"
    shutil.copytree(postgres_class / "submitted", sqlite_root / "submitted")
    shutil.copytree(postgres_class / ".grader", sqlite_root / ".grader")
    graded = grader_command("autograde", A3, "--root", str(sqlite_root), "--jobs", "2")
    assert graded.returncode == 1, graded.stderr
    assert grader_main(["export", "--root", str(postgres_class), "--to", str(tmp_path / "postgres.csv"),
                        "--db", postgres]) == 0
    assert grader_main(["export", "--root", str(sqlite_root), "--to", str(tmp_path / "sqlite.csv")]) == 0
    assert capsys.readouterr().out.count("wrote 4 row(s)") == 2
    assert (tmp_path / "postgres.csv").read_text() == (tmp_path / "sqlite.csv").read_text()
    rows = read_csv(tmp_path / "postgres.csv")
    assert sorted(rows) == ["blank", "broken", "correct", "wrong_backward"]
    assert (rows["correct"]["score"], rows["broken"]["status"]) == ("13", "ungradable")


def test_regrade_replaces_the_rows(postgres_class, postgres, solution_notebook, blank_notebook):
    """``--force`` regrades a submission changed since: its rows are replaced, not added to."""
    write_submission(postgres_class, "blank", without_function(solution_notebook, blank_notebook,
                                                               "backward_propagation"))
    before = class_verdicts(postgres_class)
    regraded = grader_command("autograde", A3, "--root", str(postgres_class), "--db", postgres,
                              "--student", "blank", "--force")
    assert regraded.returncode == 0 and "graded 1, could not grade 0" in regraded.stderr, regraded.stderr
    after = class_verdicts(postgres_class)
    assert 0 == before["blank"].score < after["blank"].score < after["blank"].max_score
    assert_gradebook_matches_verdicts(postgres, after)


def assert_refused(status, stdout, stderr, *words):
    """A command ended with ``status`` 2 and printed one line, ``error: ...``, holding ``words``,
    and nowhere a password."""
    output = stdout + stderr
    assert status == 2, output
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, output
    assert "Traceback" not in output and PASSWORD not in output and "hunter2" not in output, output
    for word in words:
        assert word in stderr, output


def test_a_refused_login_is_one_line_without_the_password(postgres, tmp_path, solution_notebook):
    write_submission(tmp_path, "correct", solution_notebook)
    refused = grader_command("autograde", A3, "--root", str(tmp_path), "--db", postgres.replace(PASSWORD, "hunter2"))
    assert_refused(refused.returncode, refused.stdout, refused.stderr, "password authentication failed",
                   "grader:***@")
    assert not (tmp_path / "autograded").exists() and not (tmp_path / "gradebook.db").exists()


@pytest.mark.parametrize("command", ["autograde", "export"])
def test_bad_gradebook_urls_are_refused_before_grading(postgres, tmp_path, solution_notebook, capsys, command):
    """Each refused as ``python -m grader`` would (its ``main``, in this process: starting the
    command costs seconds); no verdict and no SQLite gradebook written."""
    write_submission(tmp_path, "correct", solution_notebook)
    socket_folder = Path(postgres.split("host=")[1])
    arguments = [command, A3] if command == "autograde" else [command, "--to", str(tmp_path / "grades.csv")]
    bad_urls = {server_url(tmp_path / "no_server_here", DATABASE).replace(PASSWORD, "hunter2"):
                ["cannot open the gradebook", "No such file or directory", "grader:***@"],
                server_url(socket_folder, "no_such_database"): ['database "no_such_database" does not exist'],
                "postgresql://grader:hunter2@localhost:port/course": ["not a gradebook URL"],
                "nosuchdatabase://grader:hunter2@localhost/course": ["Can't load plugin"]}
    if command == "export":
        bad_urls[server_url(socket_folder, "postgres")] = ["holds no gradebook", "run autograde first"]
    for db_url, words in bad_urls.items():
        status = grader_main(arguments + ["--root", str(tmp_path), "--db", db_url])
        assert_refused(status, *capsys.readouterr(), *words)
    assert not (tmp_path / "autograded").exists() and not (tmp_path / "gradebook.db").exists()
