"""Run the harness on a job inside a bubblewrap sandbox, with resource limits.

What the child sees: read-only ``/usr`` and the Python installation (base prefix and virtual
environment, nothing else of the repository), a read-only ``/grading`` folder holding only
``harness.py`` and ``job.json``, and its own ``/tmp`` (a small tmpfs, also its working directory),
``/dev/shm`` (another), ``/dev``, ``/proc``, PID, IPC, UTS and network namespaces (no network at
all). Its environment is empty but for a few fixed variables; nothing tells it that it is being
graded. Nothing it leaves behind reaches a later run: its files live on tmpfs mounts that vanish
with it, System V IPC and POSIX message queues with its IPC namespace, abstract Unix sockets with
its network namespace, and its processes with its PID namespace (and its cgroups, below).

Who the child is: when the grader runs as root (as CI does), bubblewrap keeps the initial user
namespace and the child drops, with ``setpriv``, to a uid and gid drawn at random for this run
alone (:func:`fresh_uid`: never one of a user or group of the system, of a running process, or of
an earlier run of this grader), with no capabilities and no supplementary groups. Whatever the
kernel keeps per uid (keyrings, the process count, ...) therefore starts empty and is never seen
again. When the grader runs as an ordinary user, bubblewrap makes a user namespace, the child keeps
the instructor's uid and cannot make user namespaces of its own.

What it may ask of the kernel: a seccomp filter (``grader.seccomp``) makes the keyring calls and a
few others that reach beyond the sandbox (BPF, perf, io_uring, ptrace, namespaces, mounts, modules)
fail with EPERM; bubblewrap loads it just before it starts the child.

Limits: CPU time, processes (``RLIMIT_NPROC``: as root, the tasks of the run's own uid; otherwise
the instructor's tasks plus the allowance), file size, no core dumps, and memory. As root, on a
machine with usable cgroups, the run gets a group on each hierarchy it uses (``grader.cgroups``):
the memory group holds all of the sandbox's processes to ``Limits.memory_bytes`` together, swap
included, and the run is ended as soon as the kernel kills one of them for it; the cpuacct group
counts the CPU time of all of them together (exited ones included), and the parent ends the run
once it passes ``Limits.cpu_seconds``; the cpu group's CFS quota lets the sandbox use at most
``Limits.cpus`` CPUs at once. The groups are emptied and removed afterwards. Every process also
gets ``RLIMIT_AS`` = ``Limits.memory_bytes`` and ``RLIMIT_CPU`` = ``Limits.cpu_seconds`` (the only
limits where no cgroup can be used: see :func:`limits_description`). The wall time of the run and
of each call is watched by the parent.

Results come back through an inherited pipe, stdout and stderr through pipes; the parent
reads all three to the end and keeps only a bounded head of each, so a flood of output neither
fills a disk nor kills the child.
"""
import contextlib
import functools
import json
import os
import re
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import cgroups, seccomp

HARNESS = Path(__file__).with_name("harness.py")
# Where the uid (and gid) of a run is drawn from: far above any account's, below 2**31 - 1.
FRESH_IDS = (1 << 20, (1 << 31) - 2)
# Used only if the user namespace the grader runs in does not map any of FRESH_IDS.
FALLBACK_IDS = (10_000, (1 << 31) - 2)
# How often the parent looks at a running sandbox's limits (it learns of the sandbox's end at once).
WATCH_SECONDS = 0.02


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or setpriv, when running as root) is missing, or a limit cannot be set up:
    grading cannot be trusted."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run, and the budget of a whole submission."""
    submission_seconds: float = 60.0   # wall time for everything one submission costs, all runs together
    wall_seconds: float = 60.0
    cpu_seconds: int = 30              # all of a sandbox's processes together (each alone without cgroups)
    cpus: float = 1.0                  # how many CPUs a sandbox may keep busy at once (needs a cpu cgroup)
    seconds_per_call: float = 5.0
    load_seconds: float = 30.0
    memory_bytes: int = 1 << 30
    processes: int = 16
    file_bytes: int = 16 << 20
    tmpfs_bytes: int = 32 << 20
    result_bytes: int = 8 << 20
    output_bytes: int = 8 << 10


def describe_size(size):
    """``1 GiB``, ``300 MiB`` or ``1234 bytes``."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit and size % unit == 0:
            return "%d %s" % (size // unit, name)
    return "%d bytes" % size


@dataclass
class SandboxRun:
    """What came out of one sandboxed run; ``result_lines`` are untrusted text.

    ``memory_limited`` says whether a memory cgroup held the run as a whole; if so,
    ``memory_exceeded`` says whether the kernel killed a process of it for passing
    ``limits.memory_bytes`` and ``peak_memory_bytes`` is the most it held at once (None if unknown).
    ``cpu_limited`` says whether a cpuacct cgroup counted the CPU time of the run as a whole; if
    so, ``cpu_seconds_used`` is what all its processes used together and ``cpu_exceeded`` whether
    that passed ``limits.cpu_seconds`` (then the parent ended the run).
    """
    result_lines: list
    stdout: str
    stderr: str
    returncode: int
    timed_out: bool
    seconds: float
    memory_exceeded: bool = False
    peak_memory_bytes: int | None = None
    memory_limited: bool = False
    cpu_exceeded: bool = False
    cpu_seconds_used: float | None = None
    cpu_limited: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def ending_signal(self):
        """The signal that ended the child, or 0: bubblewrap reports its child's as 128 + number."""
        if self.returncode is not None and self.returncode < 0:
            return -self.returncode
        if self.returncode is not None and 128 < self.returncode < 128 + 65:
            return self.returncode - 128
        return 0

    @property
    def stopped_because(self):
        """Why the child ended early, in words for a student; "" if it finished by itself."""
        if self.timed_out:
            return "it ran out of time"
        if self.cpu_exceeded:
            return ("it used up its %d s of CPU time (all its processes together)"
                    % self.limits.cpu_seconds)
        if self.memory_exceeded:
            return ("it used more than %s of memory (all its processes together)"
                    % describe_size(self.limits.memory_bytes))
        # Without a memory group a SIGKILL may also come from the kernel's OOM killer.
        killed = self.ending_signal
        if killed == signal.SIGXCPU or (killed == signal.SIGKILL and self.memory_limited):
            return "it used up its %d s of CPU time" % self.limits.cpu_seconds
        if killed == signal.SIGKILL:
            return "it was killed for exceeding its CPU-time or memory limit"
        if self.returncode not in (0, None):
            return "the Python process ended with exit status %d" % self.returncode
        return ""


def require_tools():
    """Fail with a clear message if the isolation tools are missing."""
    missing = [tool for tool in ("bwrap",) + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(
            "cannot isolate student code: %s not found (Debian: apt-get install bubblewrap util-linux)"
            % ", ".join(missing))


def memory_limit_description(limits=Limits()):
    """One line saying what limits a sandbox's memory on this machine, run by this user."""
    size = describe_size(limits.memory_bytes)
    base = cgroups.memory_base()
    if base is not None:
        return ("%s for all of a sandbox's processes together (memory cgroup v%d below %s), and %s "
                "of address space per process" % (size, base.version, base.path, size))
    return ("%s of address space per process (RLIMIT_AS), for up to %d processes: nothing limits a "
            "sandbox as a whole (that needs root and a usable memory cgroup)" % (size, limits.processes))


def cpu_limit_description(limits=Limits()):
    """One line saying what limits a sandbox's CPU time and rate on this machine, run by this user."""
    seconds = limits.cpu_seconds
    total, rate = cgroups.cpu_base(), cgroups.cpu_rate_base()
    if total is not None:
        line = ("%d s of CPU time for all of a sandbox's processes together (cpuacct, cgroup v%d "
                "below %s), and %d s per process" % (seconds, total.version, total.path, seconds))
    else:
        line = ("%d s of CPU time per process (RLIMIT_CPU), for up to %d processes: nothing counts "
                "a sandbox's CPU time as a whole (that needs root and a usable cpuacct cgroup)"
                % (seconds, limits.processes))
    if rate is not None:
        return line + "; at most %g CPU at once (CFS quota, cgroup v%d below %s)" % (
            limits.cpus, rate.version, rate.path)
    return line + "; nothing caps how many CPUs it keeps busy at once (that needs a usable cpu cgroup)"


def limits_description(limits=Limits()):
    """Two lines saying what limits a sandbox's memory and CPU on this machine, run by this user."""
    return ("memory: %s\nCPU: %s" % (memory_limit_description(limits), cpu_limit_description(limits)))


@functools.lru_cache(maxsize=None)
def seccomp_program():
    """The compiled seccomp filter for this machine (see ``grader.seccomp``)."""
    try:
        return seccomp.program_for()
    except seccomp.UnsupportedArchitecture as error:
        raise SandboxUnavailable("cannot isolate student code: %s" % error) from None


def _filter_fd():
    """A pipe holding the seccomp filter, for bubblewrap to read to its end (it is much smaller
    than a pipe's buffer)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, seccomp_program())
    finally:
        os.close(write_end)
    return read_end


def python_trees():
    """Folders the child needs to run this interpreter with its installed packages."""
    trees = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(tree for tree in trees if not str(tree).startswith("/usr"))


def _dirs_to_create(trees):
    """Every ancestor of the bind targets, so bubblewrap creates them world-traversable."""
    ancestors = set()
    for tree in trees:
        ancestors.update(parent for parent in tree.parents if parent != Path("/"))
    return sorted(ancestors, key=lambda path: len(path.parts))


def bwrap_command(grading_dir, limits, result_fd, filter_fd, uid=None):
    """The full command line: bubblewrap, then (as root, with ``uid``) setpriv, then the harness."""
    trees = python_trees()
    command = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
               "--unshare-cgroup-try", "--die-with-parent", "--new-session",
               "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink("/" + link):
            command += ["--symlink", os.readlink("/" + link), "/" + link]
    # The private /tmp comes first, so that a Python installed under /tmp (a clone in a temporary
    # folder) is bound on top of it instead of being hidden by it.
    command += ["--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(limits.tmpfs_bytes), "--tmpfs", "/tmp",
                "--perms", "1777", "--size", str(limits.tmpfs_bytes), "--tmpfs", "/dev/shm"]
    for directory in _dirs_to_create(trees):
        command += ["--perms", "0755", "--dir", str(directory)]
    for tree in trees:
        command += ["--ro-bind", str(tree), str(tree)]
    command += ["--ro-bind", str(grading_dir), "/grading",
                "--chdir", "/tmp", "--clearenv"]
    environment = {"HOME": "/tmp", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    for name, value in environment.items():
        command += ["--setenv", name, value]
    command += ["--seccomp", str(filter_fd)]
    if uid is not None:
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                    "setpriv", "--reuid", str(uid), "--regid", str(uid), "--clear-groups", "--"]
    else:
        command += ["--unshare-user", "--disable-userns", "--"]
    python = str(Path(sys.prefix) / "bin" / "python")
    return command + [python, "-I", "/grading/harness.py", "/grading/job.json", str(result_fd)]


_given_ids_lock = threading.Lock()
_given_ids = set()


def _ids_of_accounts():
    """Every uid of /etc/passwd and gid of /etc/group."""
    ids = set()
    for name in ("/etc/passwd", "/etc/group"):
        try:
            lines = Path(name).read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split(":")
            if len(fields) > 2 and fields[2].isdigit():
                ids.add(int(fields[2]))
    return ids


def _ids_of_processes():
    """Every uid and gid (real, effective, saved, filesystem) of a running process."""
    ids = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry.name, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        for key in (b"\nUid:", b"\nGid:"):
            start = text.find(key)
            if start >= 0:
                ids.update(int(word) for word in text[start + 5: text.find(b"\n", start + 5)].split())
    return ids


def _mapped_ranges(lowest, highest):
    """The ``[first, last]`` ranges of ids between ``lowest`` and ``highest`` that both this user
    namespace's uid map and its gid map contain."""
    def ranges(name):
        found = []
        for line in Path(name).read_text().splitlines():
            inside, _, count = (int(word) for word in line.split())
            found.append((inside, inside + count - 1))
        return found
    both = [(max(a, c, lowest), min(b, d, highest)) for a, b in ranges("/proc/self/uid_map")
            for c, d in ranges("/proc/self/gid_map")]
    return [(first, last) for first, last in both if first <= last]


def _draw(ranges):
    """An id drawn uniformly from the union of disjoint ``ranges``."""
    index = secrets.randbelow(sum(last - first + 1 for first, last in ranges))
    for first, last in ranges:
        if index <= last - first:
            return first + index
        index -= last - first + 1
    raise AssertionError("unreachable")


def fresh_uid():
    """A uid (also used as the gid) for one sandbox run: random, unused, never given out before."""
    ranges = _mapped_ranges(*FRESH_IDS) or _mapped_ranges(*FALLBACK_IDS)
    if not ranges:
        raise SandboxUnavailable("cannot isolate student code: this user namespace maps no uid "
                                 "and gid to give a sandbox")
    with _given_ids_lock:
        taken = _given_ids | _ids_of_accounts() | _ids_of_processes()
        for _ in range(1000):
            uid = _draw(ranges)
            if uid not in taken:
                _given_ids.add(uid)
                return uid
    raise SandboxUnavailable("cannot isolate student code: no unused uid left to give a sandbox")


def _tasks_of(uid):
    """How many tasks (threads count: RLIMIT_NPROC counts them) the user ``uid`` runs now."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if "\nUid:\t%d\t" % uid in text:
            count += int(text.split("\nThreads:\t", 1)[1].split("\n", 1)[0])
    return count


def _process_quota(limits):
    """RLIMIT_NPROC counts every task of the real uid: as root the child has a fresh uid that no
    other task has; otherwise it shares the instructor's, so the quota is what they run now plus
    the allowance."""
    return limits.processes if os.geteuid() == 0 else _tasks_of(os.getuid()) + limits.processes


def _apply_limits(limits, groups):
    """Runs in the forked child just before bubblewrap starts (so it binds the whole sandbox):
    joins the run's cgroups, if any, and sets the per-process limits."""
    processes = _process_quota(limits)

    def apply():
        if groups is not None:
            groups.join()
        for name, value in ((resource.RLIMIT_AS, limits.memory_bytes),
                            (resource.RLIMIT_CPU, limits.cpu_seconds),
                            (resource.RLIMIT_NPROC, processes),
                            (resource.RLIMIT_FSIZE, limits.file_bytes),
                            (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(name, (value, value))
    return apply


class Progress:
    """When the child last made progress, read from the result pipe as it arrives.

    Progress is a first "loaded" event, the first "started" event of a call in the job, or the
    first "returned" or "raised" event of a started call: at most ``1 + 2 * calls`` marks, whatever
    the child writes. Anything else on the pipe (blank lines, repeated or forged events, ids that
    are not in the job) is no progress, so student code cannot keep a call alive past its limit by
    writing. Only the first ``PREFIX_BYTES`` of a line are looked at (the harness writes the event
    and the id first); the lines themselves are parsed later, as untrusted data, by
    ``grader.results``.
    """
    PREFIX_BYTES = 512
    EVENT = re.compile(rb'^\{"event": "(loaded|started|returned|raised)"(?:, "id": "([^"\\]*)")?')

    def __init__(self, call_ids):
        self.call_ids = set(call_ids)
        self.seen = set()
        self.times = []   # time.monotonic() of each mark
        self.line = b""

    def feed(self, chunk):
        parts = chunk.split(b"\n")
        for index, part in enumerate(parts):
            if len(self.line) < self.PREFIX_BYTES:
                self.line += part[:self.PREFIX_BYTES - len(self.line)]
            if index < len(parts) - 1:
                self._note(self.line)
                self.line = b""

    def _note(self, prefix):
        match = self.EVENT.match(prefix)
        if not match:
            return
        kind, raw_id = match.group(1).decode(), match.group(2)
        call_id = raw_id.decode("utf-8", "replace") if raw_id is not None else None
        if kind != "loaded" and call_id not in self.call_ids:
            return
        if kind in ("returned", "raised"):
            if ("started", call_id) not in self.seen:
                return
            kind = "finished"
        key = (kind, call_id if kind != "loaded" else None)
        if key not in self.seen:
            self.seen.add(key)
            self.times.append(time.monotonic())


def _drain(stream, limit, sink, progress=None):
    """Read a pipe to its end, keeping at most ``limit`` bytes; ``progress`` sees every chunk."""
    kept = bytearray()
    while True:
        chunk = stream.read1(65536)
        if not chunk:
            break
        if progress is not None:
            progress.feed(chunk)
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    sink.append(bytes(kept))


def _sandbox_groups(limits):
    """Fresh cgroups for one run (memory, CPU rate, CPU count: whichever this machine gives),
    or None where none can be used."""
    try:
        return cgroups.SandboxGroups.create(limits.memory_bytes, limits.cpus)
    except OSError as error:
        raise SandboxUnavailable("cannot make the sandbox's cgroups: %s" % error) from None


def run_job(job, limits=Limits()):
    """Run ``job`` (a JSON-able dict, see ``grader.harness``) in a fresh sandbox: a uid, cgroups
    and namespaces of its own."""
    require_tools()
    seccomp_program()
    uid = fresh_uid() if os.geteuid() == 0 else None
    job = dict(job, seconds_per_call=limits.seconds_per_call)
    with tempfile.TemporaryDirectory(prefix="grading-") as grading_dir:
        _write_grading_folder(grading_dir, job, uid)
        groups = _sandbox_groups(limits)
        try:
            return _run(grading_dir, uid, limits, groups, [call["id"] for call in job.get("calls", [])])
        finally:
            if groups is not None:
                groups.kill_all()
                groups.remove()


def _write_grading_folder(grading_dir, job, uid):
    """Put the harness and the job (the secret inputs) where only the sandbox's user can read them.

    As root the folder and its files belong to the run's own uid, read-only (other users of the
    grading machine cannot read the job); otherwise to the instructor, who is also the sandbox's user.
    """
    shutil.copyfile(HARNESS, os.path.join(grading_dir, "harness.py"))
    with open(os.path.join(grading_dir, "job.json"), "w", encoding="utf-8") as handle:
        json.dump(job, handle)
    for name in ("harness.py", "job.json"):
        path = os.path.join(grading_dir, name)
        os.chmod(path, 0o400)
        if uid is not None:
            os.chown(path, uid, uid)
    os.chmod(grading_dir, 0o500)
    if uid is not None:
        os.chown(grading_dir, uid, uid)


def _run(grading_dir, uid, limits, groups, call_ids):
    """Start bubblewrap, read its pipes, watch it; the :class:`SandboxRun`."""
    read_end, write_end = os.pipe()
    filter_fd = _filter_fd()
    command = bwrap_command(grading_dir, limits, write_end, filter_fd, uid)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(write_end, filter_fd), preexec_fn=_apply_limits(limits, groups),
            start_new_session=True)
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
        os.close(filter_fd)
    outputs = {"result": [], "stdout": [], "stderr": []}
    progress = Progress(call_ids)
    readers = [threading.Thread(target=_drain, args=(stream, size, outputs[name], watch), daemon=True)
               for name, stream, size, watch in (
                   ("result", os.fdopen(read_end, "rb"), limits.result_bytes, progress),
                   ("stdout", process.stdout, limits.output_bytes, None),
                   ("stderr", process.stderr, limits.output_bytes, None))]
    for reader in readers:
        reader.start()
    stopped = _watch(process, started, progress.times, limits, groups)
    for reader in readers:
        reader.join(timeout=5)
    text = {name: b"".join(chunks).decode("utf-8", "replace") for name, chunks in outputs.items()}
    memory_limited = groups is not None and groups.memory_limited
    cpu_used = groups.cpu_seconds() if groups is not None else None
    return SandboxRun(result_lines=text["result"].split("\n"), stdout=text["stdout"],
                      stderr=text["stderr"], returncode=process.returncode,
                      timed_out=stopped == "time", seconds=time.monotonic() - started,
                      memory_exceeded=memory_limited and (stopped == "memory" or groups.oom_kills() > 0),
                      peak_memory_bytes=groups.peak_bytes() if memory_limited else None,
                      memory_limited=memory_limited,
                      cpu_exceeded=stopped == "cpu" or (cpu_used is not None
                                                        and cpu_used > limits.cpu_seconds),
                      cpu_seconds_used=cpu_used, cpu_limited=cpu_used is not None, limits=limits)


def _watch(process, started, activity, limits, groups):
    """Wait for the child; kill it when a call (or loading) makes no progress for too long
    (``activity``: the times of :class:`Progress` marks), at the wall
    limit, as soon as the kernel killed one of its processes for the memory limit, or as soon as
    all its processes together used more than their CPU time.

    Returns why it had to be killed ("time", "memory" or "cpu"), or "" if it ended by itself.
    """
    watch_memory = groups is not None and groups.memory_limited
    watch_cpu = groups is not None and groups.cpu_counted
    with _exit_waiter(process) as wait_for_exit:
        return _watch_until_exit(process, started, activity, limits, groups, watch_memory, watch_cpu, wait_for_exit)


def _watch_until_exit(process, started, activity, limits, groups, watch_memory, watch_cpu, wait_for_exit):
    while process.poll() is None:
        now = time.monotonic()
        idle_limit = limits.seconds_per_call + 2.0 if activity else limits.load_seconds
        silent_since = activity[-1] if activity else started
        if watch_memory and groups.oom_kills():
            _kill(process, groups)
            return "memory"
        if watch_cpu and (groups.cpu_seconds() or 0) > limits.cpu_seconds:
            _kill(process, groups)
            return "cpu"
        if now - started > limits.wall_seconds or now - silent_since > idle_limit:
            _kill(process, groups)
            return "time"
        wait_for_exit(WATCH_SECONDS)
    return ""


@contextlib.contextmanager
def _exit_waiter(process):
    """A function that waits up to its argument's seconds for ``process`` to end, returning as soon
    as it does (a pidfd, Linux 5.3 and later; elsewhere it simply sleeps)."""
    try:
        descriptor = os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        yield time.sleep
        return
    try:
        yield lambda seconds: select.select([descriptor], [], [], seconds)
    finally:
        os.close(descriptor)


def _kill(process, groups):
    """Kill bubblewrap (``--die-with-parent`` then takes the whole PID namespace down) and
    everything in the run's cgroups."""
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
    if groups is not None:
        groups.kill_all()
    process.wait()
