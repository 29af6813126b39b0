"""What a student's code can and cannot do inside the sandbox, asked from inside it."""
from grader import course, sandbox
from grader.results import parse_events

PROBE = '''
import os, socket, json
def probe():
    seen = {}
    seen["uid"] = os.getuid()
    seen["root_listing"] = sorted(os.listdir("/"))
    seen["repository_visible"] = os.path.exists("REPOSITORY/solutions") or os.path.exists("REPOSITORY/grader")
    seen["secret_visible"] = os.path.exists("SECRET")
    seen["environment"] = sorted(os.environ)
    seen["pid"] = os.getpid()
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        seen["network"] = True
    except OSError:
        seen["network"] = False
    try:
        open("/usr/evil", "w")
        seen["usr_writable"] = True
    except OSError:
        seen["usr_writable"] = False
    job = os.stat("/grading/job.json")
    seen["job_private"] = (job.st_mode & 0o777, job.st_uid == os.getuid()) == (0o400, True)
    open("/tmp/mine", "w").write("x")
    seen["tmp_writable"] = True
    return seen
'''


def run_probe(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t")
    code = PROBE.replace("REPOSITORY", str(course.REPOSITORY)).replace("SECRET", str(secret))
    run = sandbox.run_job({"cells": [{"index": 1, "code": code}],
                           "calls": [{"id": "probe", "function": "probe", "args": []}]})
    loaded, errors, _, outcomes = parse_events(run.result_lines, {"probe"})
    assert loaded and not errors, errors
    assert outcomes["probe"].returned, outcomes["probe"].error
    return outcomes["probe"].value


def test_child_is_unprivileged_and_sees_only_what_it_needs(tmp_path):
    seen = run_probe(tmp_path)
    assert seen["uid"] != 0, "student code never runs as root"
    assert not seen["repository_visible"] and not seen["secret_visible"]
    assert not seen["network"]
    assert not seen["usr_writable"] and seen["tmp_writable"]
    assert seen["job_private"], "the job (the secret inputs) is readable by the sandbox's user only"
    assert seen["pid"] < 10, "the child has its own PID namespace"
    assert not any("GRAD" in name or "CI" == name for name in seen["environment"])
    # The top of the tree is the system's, plus the first folder of wherever Python is installed.
    python_homes = {tree.parts[1] for tree in sandbox.python_trees()}
    assert set(seen["root_listing"]) <= {"bin", "dev", "grading", "lib", "lib64", "proc", "sbin",
                                         "tmp", "usr"} | python_homes


def test_output_flood_is_capped_and_call_timeouts_are_reported():
    code = ("import sys\ndef flood():\n    for i in range(100000):\n        print('x' * 50)\n"
            "        print('y' * 50, file=sys.stderr)\n    return 1.5\n"
            "def spin():\n    while True:\n        pass\n")
    limits = sandbox.Limits(seconds_per_call=3.0)
    run = sandbox.run_job({"cells": [{"index": 1, "code": code}],
                           "calls": [{"id": "a", "function": "flood", "args": []},
                                     {"id": "b", "function": "spin", "args": []}]}, limits=limits)
    _, _, _, outcomes = parse_events(run.result_lines, {"a", "b"})
    assert outcomes["a"].returned and outcomes["a"].value == 1.5
    assert "CallTimeout" in outcomes["b"].error
    assert len(run.stdout) <= limits.output_bytes and len(run.stderr) <= limits.output_bytes
