"""Nothing passes from one submission's sandbox to another's, and a sandbox's memory is limited as a whole.

The isolation test grades a writer, which leaves a marker by every channel it can find (kernel
keyrings, System V IPC, POSIX message queues, /dev/shm, an abstract Unix socket held by a process
it leaves running, a file in every folder it may write in), then readers that look for them: one
in the same ``python -m grader autograde`` run, one in another course folder. Each reports what it
did by raising an exception whose text lists the channels as words (numbers in messages may be
masked), which the verdict keeps as the message of the failed backward_propagation checks.
"""
import errno
import json
import os
import platform
import re
import subprocess
import sys

import pytest

from grader import course, harness, sandbox
from grader.results import parse_events
from tests.conftest import A3, with_cell, write_submission

# Every channel the writer must manage to use inside its own sandbox (the kernel keyrings are
# expected to be refused: they are what the seccomp filter denies).
OPEN_CHANNELS = {"sysv-shm", "sysv-msg", "sysv-sem", "posix-mq", "dev-shm", "abstract-socket",
                 "file:/tmp", "file:/dev/shm"}
SLEEPER_SECONDS = "86399.271828"   # how the leftover process can be recognised from outside

CHANNELS = r'''
import ctypes
import os
import platform
import socket

MARKER = "isolation-marker"
IPC_KEY = 0x15017E57
IPC_CREAT = 0o1000
KEYCTL_SEARCH = 10
KEYRING_CALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}
KEYRINGS = {"keyring-user": -4, "keyring-session": -3}
SLEEPER_SECONDS = "<SLEEPER_SECONDS>"


def c_library():
    library = ctypes.CDLL(None, use_errno=True)
    library.syscall.restype = ctypes.c_long
    return library


def mq_open(*arguments):
    try:
        library = ctypes.CDLL("librt.so.1", use_errno=True)
    except OSError:
        library = c_library()
    return library.mq_open(*arguments)


def keyring_call(index, *arguments):
    numbers = KEYRING_CALLS.get(platform.machine())
    if numbers is None:
        return -1
    return c_library().syscall(ctypes.c_long(numbers[index]), *arguments)


def folders_on_writable_mounts():
    """Every folder below a read-write mount point (but /proc and /sys), and whether it is writable."""
    mounts = {}
    with open("/proc/self/mounts") as table:
        for line in table:
            fields = line.split()
            mounts[fields[1]] = "rw" in fields[3].split(",")
    skip = {point for point, writable in mounts.items() if not writable} | {"/proc", "/sys"}
    found = {}
    for point, writable in mounts.items():
        if not writable or point in skip or point.startswith(("/proc/", "/sys/")):
            continue
        for folder, subfolders, _ in os.walk(point):
            subfolders[:] = [name for name in subfolders if os.path.join(folder, name) not in skip]
            found[folder] = os.access(folder, os.W_OK)
    return found


def leave_listener():
    """Fork a process that leaves the session, holds an abstract socket and sleeps on."""
    ready_read, ready_write = os.pipe()
    if os.fork() == 0:
        try:
            os.setsid()
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind("\0" + MARKER)
            listener.listen(1)
            os.write(ready_write, b"k")
            kept = listener.fileno()
            os.set_inheritable(kept, True)
            null = os.open("/dev/null", os.O_RDWR)
            for standard in (0, 1, 2):
                os.dup2(null, standard)
            os.closerange(3, kept)
            os.closerange(kept + 1, 65536)
            os.execv("/usr/bin/sleep", ["sleep", SLEEPER_SECONDS])
        finally:
            os._exit(1)
    os.close(ready_write)
    ready = os.read(ready_read, 1) == b"k"
    os.close(ready_read)
    return ready


def store_everywhere():
    c = c_library()
    stored = []
    for word, keyring in KEYRINGS.items():
        if keyring_call(0, b"user", MARKER.encode(), b"here", ctypes.c_long(4), ctypes.c_long(keyring)) >= 0:
            stored.append(word)
    if c.shmget(IPC_KEY, ctypes.c_size_t(4096), IPC_CREAT | 0o666) >= 0:
        stored.append("sysv-shm")
    if c.msgget(IPC_KEY, IPC_CREAT | 0o666) >= 0:
        stored.append("sysv-msg")
    if c.semget(IPC_KEY, 1, IPC_CREAT | 0o666) >= 0:
        stored.append("sysv-sem")
    if mq_open(("/" + MARKER).encode(), os.O_CREAT | os.O_RDWR, 0o666, None) >= 0:
        stored.append("posix-mq")
    with open("/dev/shm/" + MARKER, "w") as handle:
        handle.write("here")
    stored.append("dev-shm")
    if leave_listener():
        stored.append("abstract-socket")
    for folder, writable in sorted(folders_on_writable_mounts().items()):
        if writable:
            try:
                with open(os.path.join(folder, MARKER), "w") as handle:
                    handle.write("here")
                stored.append("file:" + folder)
            except OSError:
                pass
    return stored


def find_everywhere():
    c = c_library()
    found = [word for word, keyring in KEYRINGS.items()
             if keyring_call(1, ctypes.c_long(KEYCTL_SEARCH), ctypes.c_long(keyring), b"user",
                             MARKER.encode(), ctypes.c_long(0)) >= 0]
    if c.shmget(IPC_KEY, ctypes.c_size_t(0), 0) >= 0:
        found.append("sysv-shm")
    if c.msgget(IPC_KEY, 0) >= 0:
        found.append("sysv-msg")
    if c.semget(IPC_KEY, 0, 0) >= 0:
        found.append("sysv-sem")
    if mq_open(("/" + MARKER).encode(), os.O_RDONLY) >= 0:
        found.append("posix-mq")
    if os.path.exists("/dev/shm/" + MARKER):
        found.append("dev-shm")
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect("\0" + MARKER)
        found.append("abstract-socket")
    except OSError:
        pass
    found += ["file:" + folder for folder in sorted(folders_on_writable_mounts())
              if os.path.exists(os.path.join(folder, MARKER))]
    return found
'''.replace("<SLEEPER_SECONDS>", SLEEPER_SECONDS)

WRITER = CHANNELS + r'''

def backward_propagation(parameters, cache, X, Y):
    if not hasattr(store_everywhere, "words"):
        store_everywhere.words = store_everywhere()
    raise RuntimeError("stored: " + " ".join(store_everywhere.words))
'''

READER = CHANNELS + r'''

def backward_propagation(parameters, cache, X, Y):
    raise RuntimeError("found: " + (" ".join(find_everywhere()) or "nothing"))
'''


def autograde(root):
    """``python -m grader autograde`` on ``root``, one submission at a time (so in sorted order)."""
    result = subprocess.run([sys.executable, "-m", "grader", "autograde", A3, "--root", str(root),
                             "--jobs", "1"], capture_output=True, text=True, cwd=course.REPOSITORY,
                            timeout=600)
    assert result.returncode == 0, result.stderr


def reported_words(root, student, label):
    """The words after ``label`` ("stored:" or "found:") in the student's backward_propagation checks."""
    verdict = json.loads((root / "autograded" / student / A3 / "verdict.json").read_text())
    assert verdict["status"] == "graded", verdict
    for check in verdict["checks"]:
        match = re.search(re.escape(label) + r" ([\w:/. -]+)", check["message"])
        if match:
            return set(match.group(1).split())
    raise AssertionError("no check message of %s says %r: %s" % (student, label, verdict["checks"]))


def leftover_processes():
    """Processes still running the sleep that the writer left behind."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            with open(os.path.join(entry.path, "cmdline"), "rb") as handle:
                if SLEEPER_SECONDS.encode() in handle.read():
                    found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def test_nothing_passes_between_submissions(tmp_path, solution_notebook):
    first, second = tmp_path / "course", tmp_path / "another_course"
    write_submission(first, "a_writer", with_cell(solution_notebook, WRITER))
    write_submission(first, "b_reader", with_cell(solution_notebook, READER))
    write_submission(second, "c_reader", with_cell(solution_notebook, READER))
    autograde(first)
    stored = reported_words(first, "a_writer", "stored:")
    assert OPEN_CHANNELS <= stored, "the writer could not use every channel: %s" % sorted(stored)
    assert not leftover_processes(), "a process outlived its sandbox"
    assert reported_words(first, "b_reader", "found:") == {"nothing"}
    autograde(second)
    assert reported_words(second, "c_reader", "found:") == {"nothing"}


HOARD = r'''
import os
import time


def hoard(children, size):
    """Fork ``children`` processes that each fill ``size`` bytes; how much they held at once."""
    ready_read, ready_write = os.pipe()
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_read)
                try:
                    block = b"\1" * size
                    os.write(ready_write, b"x")
                except MemoryError:
                    os.write(ready_write, b"m")
                time.sleep(60)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_write)
    answers = b""
    while len(answers) < children:
        chunk = os.read(ready_read, children)
        if not chunk:
            break
        answers += chunk
    for pid in pids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return answers.count(b"x") * size
'''
CHILDREN, CHILD_BYTES = 8, 300_000_000   # each child well under RLIMIT_AS, all together over 2 GiB

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a sandbox a memory cgroup")


@needs_root
def test_memory_limit_holds_for_all_processes_together():
    limits = sandbox.Limits(seconds_per_call=30.0)
    run = sandbox.run_job({"cells": [{"index": 1, "code": HOARD}],
                           "calls": [{"id": "hoard", "function": "hoard",
                                      "args": [harness.encode(CHILDREN), harness.encode(CHILD_BYTES)]}]},
                          limits=limits)
    _, _, started, outcomes = parse_events(run.result_lines, {"hoard"})
    assert started == ["hoard"]
    outcome = outcomes.get("hoard")
    assert outcome is None or not outcome.returned, (
        "%d processes held %s bytes together under a limit of %d"
        % (CHILDREN, outcome.value, limits.memory_bytes))
    assert run.memory_exceeded and not run.timed_out
    assert run.stopped_because == "it used more than 1 GiB of memory (all its processes together)"
    assert run.peak_memory_bytes is not None and run.peak_memory_bytes <= limits.memory_bytes


@needs_root
def test_memory_limit_is_named_to_the_student(solution_notebook, grade):
    cell = HOARD + "\n\ndef backward_propagation(parameters, cache, X, Y):\n    return hoard(%d, %d)\n" % (
        CHILDREN, CHILD_BYTES)
    verdict = grade(with_cell(solution_notebook, cell))
    backward = [check for check in verdict.checks if check["grade_id"] == "test_backward_propagation"]
    assert backward and not any(check["passed"] for check in backward)
    assert "it used more than 1 GiB of memory (all its processes together)" in backward[0]["message"]


@needs_root
def test_nothing_is_left_behind_when_a_run_times_out(monkeypatch):
    from grader import cgroups
    made = []
    create = cgroups.SandboxGroups.create

    def recording_create(*arguments):
        groups = create(*arguments)
        made.extend(groups.paths)
        return groups
    monkeypatch.setattr(cgroups.SandboxGroups, "create", staticmethod(recording_create))
    code = ("import os, time\ndef linger():\n    if os.fork() == 0:\n        os.setsid()\n"
            "        os.execv('/usr/bin/sleep', ['sleep', '%s'])\n    while True:\n        pass\n"
            % SLEEPER_SECONDS)
    run = sandbox.run_job({"cells": [{"index": 1, "code": code}],
                           "calls": [{"id": "linger", "function": "linger", "args": []}]},
                          limits=sandbox.Limits(wall_seconds=2.0))
    assert run.timed_out and not run.memory_exceeded and run.stopped_because == "it ran out of time"
    assert made and all(not path.exists() for path in made)
    assert not leftover_processes()


SPINNERS = r'''
import os
import sys
import time


def cpu_seconds(pid):
    """The CPU time (user and system) process ``pid`` has used, as /proc sees it."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spin_everywhere(children):
    """Fork ``children`` processes that spin; keep the result pipe busy so that the call never
    looks idle, and write on it how much CPU time all of them have used so far."""
    result_fd = int(sys.argv[-1])
    pids = []
    for _ in range(children):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            while True:
                pass
        pids.append(pid)
    started = time.monotonic()
    while True:
        used = cpu_seconds(os.getpid()) + sum(cpu_seconds(pid) for pid in pids)
        os.write(result_fd, b"{}\n spun %.3f %.3f %d\n" % (used, time.monotonic() - started, len(pids)))
        time.sleep(0.2)
'''
CPU_SECONDS, SPINNING_CHILDREN = 6, 15


@needs_root
def test_cpu_time_is_limited_for_all_processes_together():
    limits = sandbox.Limits(cpu_seconds=CPU_SECONDS, wall_seconds=60.0, seconds_per_call=60.0)
    run = sandbox.run_job({"cells": [{"index": 1, "code": SPINNERS}],
                           "calls": [{"id": "spin", "function": "spin_everywhere",
                                      "args": [harness.encode(SPINNING_CHILDREN)]}]}, limits=limits)
    # What the sandboxed processes themselves saw: (CPU seconds, wall seconds, children) per report.
    seen = [tuple(float(word) for word in line.split()[1:]) for line in run.result_lines
            if line.startswith(" spun ")]
    assert seen and seen[-1][2] >= SPINNING_CHILDREN - 1, "the children could not be forked"
    assert run.seconds < 30, "%d processes spun for %.1f s on a budget of %d CPU-seconds" % (
        SPINNING_CHILDREN + 1, run.seconds, CPU_SECONDS)
    assert run.cpu_exceeded and not run.timed_out and not run.memory_exceeded
    assert run.stopped_because == "it used up its 6 s of CPU time (all its processes together)"
    assert run.cpu_seconds_used is not None
    assert CPU_SECONDS < run.cpu_seconds_used <= CPU_SECONDS + 2
    assert seen[-1][0] <= CPU_SECONDS + 2
    # At most one CPU at once: over every second or more of the run, the CPU time grew by at most
    # about the wall time (the children's own count, so the cap is checked independently).
    rates = [(later[0] - earlier[0]) / (later[1] - earlier[1])
             for index, earlier in enumerate(seen) for later in seen[index + 1:]
             if later[1] - earlier[1] >= 1.0]
    assert rates and max(rates) <= 1.3, "the sandbox used %.2f CPUs at once" % max(rates)
    assert run.cpu_seconds_used <= 1.3 * run.seconds


SYSTEM_CALLS = r'''
import ctypes
import subprocess
import threading


def try_calls(calls):
    """``{name: errno}`` of each ``[name, number, arguments]`` call (0 if it succeeded)."""
    library = ctypes.CDLL(None, use_errno=True)
    library.syscall.restype = ctypes.c_long
    results = {}
    for name, number, arguments in calls:
        ctypes.set_errno(0)
        arguments = [ctypes.c_long(argument) for argument in arguments]
        value = library.syscall(ctypes.c_long(number), *arguments)
        results[name] = ctypes.get_errno() if value < 0 else 0
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    results["subprocess"] = subprocess.run(["/usr/bin/true"]).returncode
    return results
'''


def test_seccomp_denies_the_listed_calls_and_nothing_a_program_needs():
    from grader import seccomp
    numbers = seccomp.ARCHITECTURES[platform.machine()][1]
    new_user_namespace = 0x10000000
    calls = [["keyctl", numbers["keyctl"], [0, -4, 0]],               # KEYCTL_GET_KEYRING_ID @u
             ["unshare", numbers["unshare"], [new_user_namespace]],
             ["clone", numbers["clone"], [new_user_namespace | 17, 0, 0, 0, 0]],  # | SIGCHLD
             ["bpf", numbers["bpf"], [0, 0, 0]]]
    if platform.machine() == "x86_64":
        calls.append(["x32 getpid", seccomp.X32_SYSCALL_BIT | 39, []])
    run = sandbox.run_job({"cells": [{"index": 1, "code": SYSTEM_CALLS}],
                           "calls": [{"id": "calls", "function": "try_calls",
                                      "args": [harness.encode(calls)]}]})
    _, _, _, outcomes = parse_events(run.result_lines, {"calls"})
    assert outcomes["calls"].returned, outcomes["calls"].error
    results = outcomes["calls"].value
    assert {name: results[name] for name, _, _ in calls} == {name: errno.EPERM for name, _, _ in calls}
    assert results["subprocess"] == 0
