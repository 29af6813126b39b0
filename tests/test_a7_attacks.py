"""Attacks on assignment a7, whose last check awards points for the peak memory of one call.

The measured call of ``checkpointed_backward`` runs alone in a sandbox, on a network of 144 layers
drawn there from a seed; the parent reads the sandbox's peak from its memory cgroup and compares it
with the peaks of two trusted versions, and the gradients come back as a fingerprint computed by
the harness in the sandbox. Everything in that sandbox is the student's: each test here grades a
submission (the solution or the release with one more code cell, as a student would hand it in)
or runs one in a sandbox, and asserts what a secure grader does. Memory that the kernel holds for
the process without charging it to the cgroup (socket queues, pseudo-terminals, pages pushed out to
swap) is either refused or too little to matter; a forged, patched or lying fingerprint earns
nothing; work done in another process is measured too; a call that hangs, blows up or floods costs
only its own check; no verdict shows a secret seed or an expected count; and the trusted versions
are measured while no submission runs. A test that fails here is an open weakness of the grader.
"""
import errno
import functools
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader import assignments, course, sandbox, secret
from grader.mutants import read_notebook
from grader.results import parse_events
from tests.conftest import grade_file, with_cell
from tests.test_a7 import EVERY_A, FLOAT32

A7 = "a7_complexity"
KEY = secret.one_time_secret()
MEMORY = "memory: a large network, the peak measured by the grader"
COULD_NOT_COMPARE = "could not be compared"  # what judge_safely writes when a judge breaks
MiB = 2**20


@functools.lru_cache(maxsize=None)
def _a7():
    return assignments.load(A7)


@functools.lru_cache(maxsize=None)
def _notebooks():
    return read_notebook(course.solution_notebook(A7)), read_notebook(course.release_notebook(A7))


@pytest.fixture(scope="module")
def peaks():
    return _a7().reference_peaks()


def _grade(folder, notebook, student="student"):
    verdict = grade_file(folder, A7, notebook, KEY, student)
    assert verdict.status == "graded", verdict.reason
    assert not [check for check in verdict.checks if COULD_NOT_COMPARE in check["message"]]
    return verdict


def _memory(verdict):
    (check,) = [check for check in verdict.checks if check["name"] == MEMORY]
    return check


def _gradients_right(verdict):
    """Whether the five points of the unmeasured gradient checks were won (the call returned on the
    small networks, so the measured call ran)."""
    checks = [check for check in verdict.checks
              if check["grade_id"] == "test_checkpointed_backward" and check["name"] != MEMORY]
    return len(checks) == 4 and all(check["passed"] for check in checks)


def _refused_for_its_peak(verdict):
    memory = _memory(verdict)
    assert not memory["passed"]
    assert "held up to" in memory["message"], memory["message"]
    assert memory["diagnosis"] == _a7().MEMORY_DIAGNOSIS


# The solution's function, kept under another name by a cell after the solution's: a call on one of
# the small networks gets the solution's gradients (so the measured call runs), the large network gets
# the attack. FLOAT32 (tests/test_a7.py) keeps every activation in float32: gradients close to the
# right ones, for less memory than the threshold.
ON_THE_LARGE_NETWORK_ONLY = '''
_solution_checkpointed_backward = checkpointed_backward


def _large(X):
    return X.shape[1] > 1000
''' + FLOAT32.replace("def checkpointed_backward(", "def _float32_backward(")


# --- memory the kernel holds for the process, out of the cgroup's count ------------------------------

SOCKET_QUEUES = '''
import socket

CHUNK = 32768
TRANSPORTS = ("netlink", "udp", "tcp")


def _pair(transport):
    """(receiver, sender, send): a socket whose queue keeps, in the kernel, what send sends it."""
    if transport == "netlink":
        receiver = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 2)
        receiver.bind((0, 0))
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
        sender = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 2)
        sender.bind((0, 0))
        address = receiver.getsockname()
        return receiver, sender, lambda data: sender.sendto(data, address)
    if transport == "udp":
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(("127.0.0.1", 0))
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        address = receiver.getsockname()
        return receiver, sender, lambda data: sender.sendto(data, address)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sender = socket.create_connection(listener.getsockname())
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 30)
    receiver, _ = listener.accept()
    listener.close()
    return receiver, sender, sender.sendall


def _stash(array, transport):
    """The array sent into a socket's queue, or the array itself where sockets are refused."""
    try:
        receiver, sender, send = _pair(transport)
    except OSError:
        return array
    data = memoryview(np.ascontiguousarray(array)).cast("B")
    for start in range(0, len(data), CHUNK):
        send(data[start:start + CHUNK])
    return receiver, sender, array.shape, len(data)


def _unstash(item):
    if isinstance(item, np.ndarray):
        return item
    receiver, sender, shape, size = item
    out = np.empty(shape)
    view = memoryview(out).cast("B")
    got = 0
    while got < size:
        got += receiver.recv_into(view[got:], min(CHUNK, size - got))
    receiver.close()
    sender.close()
    return out


def checkpointed_backward(X, Y, parameters, k):
    """Every activation kept, each in the queue of a socket (netlink, UDP, TCP in turn)."""
    L = len(parameters) // 2
    kept = []
    A = X
    for l in range(1, L + 1):
        kept.append(_stash(A, TRANSPORTS[l % 3]))
        A, _ = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                         "sigmoid" if l == L else "relu")
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    grads = {}
    for l in range(L, 0, -1):
        A_prev = _unstash(kept.pop())
        _, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             "sigmoid" if l == L else "relu")
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, cache, "sigmoid" if l == L else "relu")
    return grads
'''


def test_activations_kept_in_socket_queues_are_no_checkpointing(tmp_path, peaks):
    """Data waiting in a netlink, UDP or TCP socket (the sandbox's loopback carries UDP and TCP) is
    charged to no memory cgroup: every activation of the 144 layers kept there, and read back on the
    way down, passed for a checkpointed call (a peak near 95 MiB for some 300 MiB held) and won the
    memory points. The harness refuses every socket but a Unix one, whose queue is charged."""
    verdict = _grade(tmp_path, with_cell(_notebooks()[0], SOCKET_QUEUES))
    assert _gradients_right(verdict)
    _refused_for_its_peak(verdict)


KERNEL_BUFFERS = '''
import os
import socket
import tty


def _fill(make, total):
    """Bytes that the kernel accepted into buffers of what make() opens (4 MiB each at most, which
    fits a socket's queue), up to total."""
    chunk = bytes(range(256)) * 128
    held, kept = 0, []
    while held < total:
        try:
            fds = make()
        except OSError:
            break
        kept.append(fds)
        before = held
        for send in fds[1:]:
            try:
                while held < min(total, before + (4 << 20)):
                    held += send(chunk)
            except OSError:
                pass
        if held == before:
            break
    return held, kept


def netlink():
    receiver = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 2)
    receiver.bind((0, 0))
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    sender = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 2)
    sender.bind((0, 0))
    sender.setblocking(False)
    return receiver, lambda data: sender.sendto(data, receiver.getsockname())


def udp():
    receiver = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    receiver.bind(("::1", 0))
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    sender = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sender.setblocking(False)
    return receiver, lambda data: sender.sendto(data[:60000], receiver.getsockname())


def tcp():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sender = socket.create_connection(listener.getsockname())
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 30)
    sender.setblocking(False)
    return listener.accept()[0], sender.send


def terminal():
    master, slave = os.openpty()
    for fd in (master, slave):
        tty.setraw(fd)
        os.set_blocking(fd, False)
    return master, lambda data: os.write(master, data), lambda data: os.write(slave, data)


def page_out():
    """The errno of madvise(MADV_PAGEOUT), of madvise(MADV_COLD) and of process_madvise (0: done)."""
    import ctypes
    import mmap
    region = mmap.mmap(-1, mmap.PAGESIZE)
    region.write(b"x" * mmap.PAGESIZE)
    errors = []
    for advice in (21, 20):
        try:
            region.madvise(advice)
            errors.append(0)
        except OSError as error:
            errors.append(error.errno)
    libc = ctypes.CDLL(None, use_errno=True)
    errors.append(0 if libc.syscall(440, -1, 0, 0, 0, 0) == 0 else ctypes.get_errno())
    return errors


def hold(total):
    """What each way held of total bytes; the first in a child process of its own."""
    held = {"paged out": page_out()}
    read, write = os.pipe()
    if os.fork() == 0:
        os.write(write, str(_fill(netlink, total)[0]).encode())
        os._exit(0)
    os.close(write)
    os.wait()
    held["netlink in a child"] = int(os.read(read, 100))
    for make in (netlink, udp, tcp, terminal):
        held[make.__name__], _ = _fill(make, total)
    return held
'''


def test_a_sandbox_cannot_hold_more_than_its_memory_limit_in_kernel_buffers():
    """The memory limit of a sandbox is its cgroup's: what the kernel holds uncharged escapes it.
    Netlink, UDP and TCP queues took 384 MiB from a sandbox limited to 256 MiB without a kill, and
    could have taken the machine's memory (the UDP and TCP limits are the host's, gigabytes). With
    only Unix sockets and 64 open files a process, a process holds at most some 25 KiB in each of a
    few dozen pseudo-terminals. Where the machine swaps, madvise(MADV_PAGEOUT) (or process_madvise)
    would move a page out of memory and out of a cgroup v1's count: refused, with MADV_COLD."""
    limits = sandbox.Limits(memory_bytes=256 * MiB, seconds_per_call=20.0)
    run = sandbox.run_job({"cells": [{"index": 1, "code": KERNEL_BUFFERS}],
                           "calls": [{"id": "hold", "function": "hold", "args": [{"t": "int", "type": "int",
                                                                                   "value": 384 * MiB}]}]},
                          limits=limits)
    loaded, errors, _, outcomes = parse_events(run.result_lines, {"hold"})
    assert loaded and not errors, errors
    assert outcomes["hold"].returned, outcomes["hold"].error
    held = outcomes["hold"].value
    assert held["netlink in a child"] == held["netlink"] == held["udp"] == held["tcp"] == 0, held
    assert held["terminal"] < 2 * MiB, held
    assert held["paged out"] == [errno.EPERM] * 3, held


TERMINALS = '''
import os
import tty

BALLAST = %d   # bytes the call holds beside the solution's arrays


def _hide_in_terminals(size):
    """Up to size bytes written into the buffers of pseudo-terminals: (the terminals, bytes written)."""
    chunk = bytes(range(256)) * 16
    terminals, written = [], 0
    while written < size:
        try:
            master, slave = os.openpty()
        except OSError:
            break
        terminals.append((master, slave))
        for fd in (master, slave):
            tty.setraw(fd)
            os.set_blocking(fd, False)
            try:
                while written < size:
                    written += os.write(fd, chunk[:min(len(chunk), size - written)])
            except OSError:
                pass
    return terminals, written


def checkpointed_backward(X, Y, parameters, k):
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    terminals, hidden = _hide_in_terminals(BALLAST)
    ballast = np.ones((BALLAST - hidden) // 8)
    grads = _solution_checkpointed_backward(X, Y, parameters, k)
    ballast[::512] += 1.0
    return grads
'''


def test_memory_hidden_in_pseudo_terminals_is_too_little_to_pass(tmp_path, peaks):
    """A pseudo-terminal holds some 25 KiB (both ways) that the cgroup charges only in part: the
    three thousand that a machine allows held about 70 MiB, of which the cgroup counted some 12,
    enough for a call 20 MiB above the threshold to pass. With 64 open files a process, what a
    process can hide there is a few hundred KiB."""
    full, checkpointed = peaks
    ballast = int(_a7().threshold(full, checkpointed) - checkpointed) + 20 * MiB
    notebook = with_cell(_notebooks()[0], ON_THE_LARGE_NETWORK_ONLY + TERMINALS % ballast)
    verdict = _grade(tmp_path, notebook)
    assert _gradients_right(verdict)
    _refused_for_its_peak(verdict)


PAGED_OUT = '''
import mmap


def _paged_out(array):
    """A copy of the array in pages of its own, pushed out to swap at once where the kernel lets it."""
    region = mmap.mmap(-1, array.nbytes)
    copy = np.frombuffer(region, dtype=array.dtype).reshape(array.shape)
    copy[...] = array
    try:
        region.madvise(21)   # MADV_PAGEOUT
    except OSError:
        pass
    return copy
''' + EVERY_A.replace("kept.append(A)", "kept.append(_paged_out(A))")


def test_activations_paged_out_are_no_checkpointing(tmp_path):
    """Every activation kept, each pushed out to swap (madvise MADV_PAGEOUT) as soon as it is made and
    read back on the way down: on a machine that swaps, a cgroup v1 counts only what is in memory,
    and the peak would be that of a checkpointed call. The harness refuses the advice (this machine
    may not swap: then the pages stay, and the peak counts them either way)."""
    verdict = _grade(tmp_path, with_cell(_notebooks()[0], PAGED_OUT))
    assert _gradients_right(verdict)
    _refused_for_its_peak(verdict)


FORKED = '''
import os
import pickle


def checkpointed_backward(X, Y, parameters, k):
    """The full cache, in a grandchild that left the harness's session; the gradients come back
    through a pipe."""
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            data = pickle.dumps(full_backward(X, Y, parameters))
            with os.fdopen(write, "wb") as out:
                out.write(data)
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as source:
        return pickle.loads(source.read())
'''


def test_the_full_cache_held_by_another_process_is_measured(tmp_path):
    """The peak is the cgroup's, which holds every process of the sandbox: the harness's process is
    not the only one measured."""
    verdict = _grade(tmp_path, with_cell(_notebooks()[0], ON_THE_LARGE_NETWORK_ONLY + FORKED))
    assert _gradients_right(verdict)
    _refused_for_its_peak(verdict)


# --- the fingerprint: forged, patched, lied to -------------------------------------------------------

FORGED_LINE = '''
import json
import sys


def checkpointed_backward(X, Y, parameters, k):
    """Gradients from float32 activations (little memory), and a "returned" line written first to
    the result pipe with their fingerprint: the first line of a call is the one the parent reads."""
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    grads = _float32_backward(X, Y, parameters, k)
    harness = sys.modules["__main__"]
    with open(sys.argv[1]) as handle:
        (call,) = json.load(handle)["calls"]
    rows = harness.fingerprint(grads, call["fingerprint"])
    with open(int(sys.argv[2]), "w", closefd=False) as channel:
        channel.write(json.dumps({"event": "returned", "id": call["id"], "value": harness.encode(rows),
                                  "changed": []}) + "\\n")
    return grads
'''

PATCHED_HARNESS = '''
import gc
import sys


class _LyingArray(np.ndarray):
    """An array that says it is float64, and answers every NumPy function with ones."""
    dtype = np.dtype(np.float64)

    def __array_function__(self, function, types, args, kwargs):
        return np.ones(3)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(3)


class _LyingDict(dict):
    """A dict that has every key, with a lying array for each."""
    def get(self, key, default=None):
        return np.zeros((1, 1)).view(_LyingArray)

    def __getitem__(self, key):
        return self.get(key)

    def __contains__(self, key):
        return True


def checkpointed_backward(X, Y, parameters, k):
    """Float32 gradients in lying objects, with the harness's fingerprint, NumPy's functions and the
    job's record of the call changed just before the harness fingerprints them."""
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    grads = _float32_backward(X, Y, parameters, k)
    harness = sys.modules["__main__"]
    real = harness.fingerprint

    def forged(value, spec):
        rows = real(dict(grads), spec)
        rows[:, 1:] = np.round(rows[:, 1:], 5)
        return rows
    harness.fingerprint = forged
    np.linalg.norm = lambda array, *args, **kwargs: 1.0
    np.isfinite = lambda array: np.ones(np.shape(array), dtype=bool)
    for thing in gc.get_objects():
        if type(thing) is dict and "fingerprint" in thing and "args" in thing:
            thing["fingerprint"]["seed"] = 0
    lying = _LyingDict({key: value.astype(np.float32).view(np.int32) for key, value in grads.items()})
    return lying
'''


@pytest.mark.parametrize("cell", [FORGED_LINE, PATCHED_HARNESS], ids=["forged line", "patched harness"])
def test_a_forged_or_patched_fingerprint_earns_nothing(tmp_path, peaks, cell):
    """Activations in float32 hold less than the threshold; the gradients are right to about 1e-8,
    not to float64 rounding. A fingerprint forged on the result pipe, or computed by a patched
    harness, patched NumPy or from lying objects, is still not the fingerprint of the right
    gradients, which only computing them gives."""
    verdict = _grade(tmp_path, with_cell(_notebooks()[0], ON_THE_LARGE_NETWORK_ONLY + cell))
    assert _gradients_right(verdict)
    memory = _memory(verdict)
    assert not memory["passed"] and "held up to" not in memory["message"], memory["message"]
    assert "differ from those of the full backward pass" in memory["message"], memory["message"]


# --- counts without counting, the rule that skips the measured call ----------------------------------

COUNTS_AND_SKIP = '''

_seen = [0]


class _AlwaysEqual(int):
    """0, equal to everything."""
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class _AnyList(list):
    """An empty list, equal to every list, as long as any."""
    def __eq__(self, other):
        return True

    def __len__(self):
        return 1


def _cheat():
    _seen[0] += 1
    return [_AlwaysEqual(0), True, np.uint64(1), np.float64(1.0), "12345678", np.array(7), None, 10 ** 30,
            float("nan"), _AnyList()][_seen[0] % 10]


def forward_multiply_adds(layer_dims, m):
    return _cheat()


def backward_multiply_adds(layer_dims, m):
    return _cheat()


def checkpoint_layers(L, k):
    _seen[0] += 1
    return [_AnyList(), (0,), [0.0], [True], "0", {0: 0}, [np.uint64(0)], [_AlwaysEqual(0)]][_seen[0] % 8]


def checkpointed_backward(X, Y, parameters, k):
    """Raises on every small network; the large one would get the right gradients, with little
    memory (by chunks of examples), if it were called."""
    if X.shape[1] < 1000:
        raise ValueError("not on small networks")
    grads = {}
    for start in range(0, X.shape[1], 1024):
        AL, caches = L_model_forward(X[:, start:start + 1024], parameters)
        for key, value in L_model_backward(AL, Y[:, start:start + 1024], caches).items():
            grads[key] = grads.get(key, 0.0) + value * (AL.shape[1] / X.shape[1])
    return grads
'''


def test_counts_and_kept_layers_without_computing_them_earn_nothing_and_the_measured_call_is_skipped(tmp_path):
    """Ints that equal everything, bools, NumPy scalars, strings, floats and lists that lie about
    their length earn no count and no kept layer, and no verdict shows the count that was expected.
    A function that returned on no small network is not called on the large one (the rule that saves
    a sandbox), whatever it would do there: the memory points are not awarded unmeasured."""
    data = json.dumps(with_cell(_notebooks()[1], COUNTS_AND_SKIP)).encode()
    verdict = _grade(tmp_path, data)
    assert verdict.score == 0, [check["name"] for check in verdict.checks if check["passed"]]
    assert _memory(verdict)["message"].endswith("returned on none of the other cases")
    cases = _a7().make_cases(secret.case_generator(KEY, A7, "student", data))
    told = " ".join(text for check in verdict.checks for text in (check["message"], check["diagnosis"]))
    for case in cases:
        if case.function in ("forward_multiply_adds", "backward_multiply_adds"):
            assert not re.search(r"\b%d\b" % getattr(_a7().reference, case.function)(*case.args), told)
    assert len(verdict.to_json()) < 20_000


# --- calls that hang, blow up, die or flood; a secret seed in a message ------------------------------

DAMAGE = {
    "hangs with its alarm ignored": '''
import signal
import time


def checkpointed_backward(X, Y, parameters, k):
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        time.sleep(0.5)
''',
    "holds more than the limit in processes": '''
import os
import time


def checkpointed_backward(X, Y, parameters, k):
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    for _ in range(4):
        if os.fork() == 0:
            hog = np.ones(400 * 2**20 // 8)
            time.sleep(30)
            os._exit(0)
    time.sleep(30)
''',
    "kills itself": '''
import os
import signal


def checkpointed_backward(X, Y, parameters, k):
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    os.kill(os.getpid(), signal.SIGKILL)
''',
    "floods and quotes its seeds": '''
import json
import os
import sys


def checkpointed_backward(X, Y, parameters, k):
    """Floods every channel, then raises quoting the seeds of the network and of the fingerprint."""
    if not _large(X):
        return _solution_checkpointed_backward(X, Y, parameters, k)
    with open(sys.argv[1]) as handle:
        (call,) = json.load(handle)["calls"]
    seeds = [call["args"][0]["seed"], call["fingerprint"]["seed"]]
    junk = (json.dumps({"event": "started", "id": "x" * 100}) + "\\n") * 1000 + "{" * 5000 + "\\n"
    with open(int(sys.argv[2]), "w", closefd=False) as channel:
        for _ in range(50):
            channel.write(junk)
    print("x" * (10 << 20))
    os.write(2, b"y" * (10 << 20))
    raise ValueError("seeds %d and %d, %r; an input %.17g" % (seeds[0], seeds[1], seeds, X[0, 0]))
''',
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_measured_call_that_misbehaves_costs_only_the_memory_points(tmp_path, name):
    """The measured call runs in a sandbox of its own, within what is left of the submission's time:
    whatever it does, the verdict comes back in time, every other check keeps its credit, the memory
    check says why it failed, and no secret number (the seeds of the network and of the fingerprint,
    an input) reaches the verdict."""
    notebook = with_cell(_notebooks()[0], ON_THE_LARGE_NETWORK_ONLY + DAMAGE[name])
    data = json.dumps(notebook).encode()
    verdict = _grade(tmp_path, data)
    assert verdict.score == verdict.max_score - 4, [check["name"] for check in verdict.checks if not check["passed"]]
    memory = _memory(verdict)
    assert not memory["passed"] and memory["message"]
    assert verdict.seconds < sandbox.Limits().submission_seconds + 6
    case = _a7().make_cases(secret.case_generator(KEY, A7, "student", data))[-1]
    text = verdict.to_json()
    for seed in (case.args[0].seed, case.measured.seed):
        assert str(seed)[:6] not in text
    assert len(text) < 20_000


# --- the trusted versions are measured alone ---------------------------------------------------------

EVICTS = '''
import os
import sys
import time


_paths = []


def _evict(seconds):
    """Drop the page cache of every file Python and NumPy are read from, for a while."""
    if not _paths:
        for root in (os.path.dirname(np.__file__), os.path.dirname(os.__file__)):
            _paths.extend(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for path in _paths:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
            os.close(fd)


def checkpointed_backward(X, Y, parameters, k):
    _evict(4.0 if X.shape[1] > 1000 else 0.5)
    return {}
'''


def test_the_trusted_versions_are_measured_while_no_submission_runs(tmp_path, peaks, monkeypatch):
    """A sandbox that drops the page cache of Python's and NumPy's files makes every sandbox beside
    it read them again, and be charged for them: measured beside such a submission (as when autograde
    grades in parallel), the trusted checkpointing peaked some 10 MiB higher, and the threshold of
    every submission after it rose. The trusted versions are now measured before any submission's
    sandbox starts (a7's ``prepare``, called first by ``grade_submission``), and an honest submission
    graded beside the attacker still gets full marks."""
    a7 = _a7()
    monkeypatch.setattr(a7, "_peaks", {})
    lock, active, overlaps = threading.Lock(), {"trusted": 0, "student": 0}, []
    run_job = sandbox.run_job

    def watched(job, limits=sandbox.Limits()):
        kind = "trusted" if any(call["id"].startswith("reference/") for call in job.get("calls", [])) else "student"
        with lock:
            if active["trusted"] if kind == "student" else active["student"]:
                overlaps.append(kind)
            active[kind] += 1
        try:
            return run_job(job, limits)
        finally:
            with lock:
                active[kind] -= 1
    monkeypatch.setattr(sandbox, "run_job", watched)
    notebooks = {"attacker": with_cell(_notebooks()[0], EVICTS), "honest": _notebooks()[0]}
    with ThreadPoolExecutor(2) as pool:
        verdicts = dict(zip(notebooks, pool.map(lambda name: _grade(tmp_path, notebooks[name], name), notebooks)))
    assert not overlaps, "a student's sandbox ran while a trusted version was measured"
    assert verdicts["honest"].score == verdicts["honest"].max_score
    assert not _memory(verdicts["attacker"])["passed"]
    for before, now in zip(peaks, a7.reference_peaks()):
        assert abs(now - before) < 5 * MiB, (before / MiB, now / MiB)
