"""One memory cgroup per sandbox run: a single memory limit for all of its processes together.

``RLIMIT_AS`` limits each process on its own, so a sandbox of sixteen processes could hold sixteen
times its limit. A memory cgroup counts every page its processes use, whoever allocated it, and
the kernel's OOM killer acts as soon as the group as a whole passes its limit.

The groups are made below the grader's own group (the one named for the memory controller in
``/proc/self/cgroup``), or, if that is the top of the hierarchy, below a ``grader-sandboxes`` group
made there, on whichever hierarchy has the memory controller:

- cgroup v1 (a ``cgroup`` mount with the ``memory`` option): ``memory.limit_in_bytes`` and, when
  swap is accounted, ``memory.memsw.limit_in_bytes`` (memory plus swap) set to the same value;
  the OOM kills are counted in ``memory.oom_control``, the peak in ``memory.max_usage_in_bytes``;
- cgroup v2 (the unified ``cgroup2`` mount): ``memory.max``, ``memory.swap.max`` = 0 and
  ``memory.oom.group`` = 1 (an OOM kill takes the whole group); kills are counted in
  ``memory.events``, the peak in ``memory.peak``. A v2 group can delegate a controller to its
  children only if it holds no process itself, so when the grader's group does, the grader moves
  itself into a leaf ``grader`` below it first.

Only root can do this (an ordinary user's group is not delegated on v1); otherwise, or when no
memory controller can be used, :func:`memory_base` is ``None`` and only the per-process limit holds.
"""
import errno
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_base_lock = threading.Lock()
_base_known = False
_base = None


@dataclass(frozen=True)
class Base:
    """Where this grader makes its groups: a folder of the hierarchy and its version (1 or 2)."""
    path: Path
    version: int


def _memory_mount():
    """``(mount point, root, version)`` of the hierarchy that has the memory controller, or None."""
    unified = None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        fields, tail = fields.split(), tail.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, mount_point, fstype, options = fields[3], fields[4], tail[0], tail[2].split(",")
        if fstype == "cgroup" and "memory" in options:
            return Path(mount_point), root, 1
        if fstype == "cgroup2" and unified is None:
            unified = (Path(mount_point), root, 2)
    return unified


def _own_group(version):
    """This process's group on the hierarchy of ``version``, as ``/proc/self/cgroup`` names it."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (version == 1 and "memory" in controllers.split(",")) or (version == 2 and controllers == ""):
            return path
    return None


def _under_mount(mount_point, root, group):
    """The folder of ``group`` below a mount of the hierarchy whose root folder is ``root``."""
    if root == "/":
        return mount_point / group.lstrip("/")
    if group == root or group.startswith(root.rstrip("/") + "/"):
        return mount_point / group[len(root):].lstrip("/")
    return None


def _write(path, text):
    """Write ``text`` to a cgroup control file (one write, as the kernel expects)."""
    with open(path, "w") as handle:
        handle.write(text)


def _delegate_v2(folder):
    """Let ``folder``'s children have the memory controller, moving this process to a leaf if need be."""
    if "memory" not in (folder / "cgroup.controllers").read_text().split():
        return False
    if "memory" in (folder / "cgroup.subtree_control").read_text().split():
        return True
    try:
        _write(folder / "cgroup.subtree_control", "+memory")
        return True
    except OSError as error:
        if error.errno != errno.EBUSY:
            return False
    leaf = folder / "grader"
    leaf.mkdir(exist_ok=True)
    _write(leaf / "cgroup.procs", str(os.getpid()))
    _write(folder / "cgroup.subtree_control", "+memory")
    return True


def _probe(base):
    """Make and remove one group, so that a base that only looks usable is not taken."""
    group = base.path / ("sandbox-probe-" + secrets.token_hex(6))
    group.mkdir()
    group.rmdir()


def _find_base():
    """Work out the :class:`Base` (see :func:`memory_base`)."""
    if os.geteuid() != 0:
        return None
    found = _memory_mount()
    if found is None:
        return None
    mount_point, root, version = found
    group = _own_group(version)
    folder = _under_mount(mount_point, root, group) if group is not None else None
    if folder is None or not folder.is_dir():
        return None
    try:
        if version == 2 and not _delegate_v2(folder):
            return None
        if folder == mount_point:  # never make groups at the top of a hierarchy
            folder = folder / "grader-sandboxes"
            folder.mkdir(exist_ok=True)
            if version == 2 and not _delegate_v2(folder):
                return None
        base = Base(folder, version)
        _probe(base)
    except OSError:
        return None
    return base


def memory_base():
    """The :class:`Base` for sandbox groups, found once per process; None if none can be used."""
    global _base, _base_known
    with _base_lock:
        if not _base_known:
            _base, _base_known = _find_base(), True
        return _base


class MemoryGroup:
    """The memory cgroup of one sandbox run: made with its limit, joined, watched, then removed."""

    def __init__(self, path, version):
        self.path = path
        self.version = version
        self.procs = str(path / "cgroup.procs")
        self.join_file = str(path / ("tasks" if version == 1 else "cgroup.procs"))

    @classmethod
    def create(cls, limit_bytes):
        """A new empty group limited to ``limit_bytes`` (swap included), or None without a base."""
        base = memory_base()
        if base is None:
            return None
        group = cls(base.path / ("sandbox-" + secrets.token_hex(8)), base.version)
        group.path.mkdir()
        try:
            group._set_limit(limit_bytes)
        except OSError:
            group.remove()
            raise
        return group

    def _set_limit(self, limit_bytes):
        """Memory plus swap at most ``limit_bytes``; on v2, an OOM kill takes the whole group."""
        if self.version == 1:
            _write(self.path / "memory.limit_in_bytes", str(limit_bytes))
            if (self.path / "memory.memsw.limit_in_bytes").exists():
                _write(self.path / "memory.memsw.limit_in_bytes", str(limit_bytes))
        else:
            _write(self.path / "memory.max", str(limit_bytes))
            for name, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                if (self.path / name).exists():
                    _write(self.path / name, value)

    def join(self):
        """Move the calling process into the group (safe between fork and exec: no allocation).

        Only for a process of one thread (a child between fork and exec). On v1 it moves itself
        as a thread, "0" to ``tasks``: the kernel then skips the lock that moving a whole thread
        group takes, which waits for an RCU grace period (tens of milliseconds).
        """
        fd = os.open(self.join_file, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def _counter(self, file_name, key):
        """The value of ``key`` in a flat-keyed control file (0 if the file cannot be read)."""
        try:
            text = (self.path / file_name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
        return 0

    def oom_kills(self):
        """How many of the group's processes the kernel killed for the group's memory limit."""
        if self.version == 1:
            return self._counter("memory.oom_control", "oom_kill")
        return self._counter("memory.events", "oom_kill")

    def peak_bytes(self):
        """The most memory the group held at once, or None where the kernel does not say."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text())
        except (OSError, ValueError):
            return None

    def _members(self):
        """The pids of the processes in the group now."""
        try:
            return [int(pid) for pid in Path(self.procs).read_text().split()]
        except OSError:
            return []

    def kill_all(self, seconds=5.0):
        """SIGKILL everything still in the group and wait until it is empty; True if it emptied."""
        give_up = time.monotonic() + seconds
        while True:
            members = self._members()
            if not members:
                return True
            if time.monotonic() > give_up:
                return False
            if self.version == 2 and (self.path / "cgroup.kill").exists():
                _write(self.path / "cgroup.kill", "1")
            for pid in members:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.005)

    def remove(self, seconds=5.0):
        """Remove the (empty) group, waiting briefly while exiting processes still hold it."""
        give_up = time.monotonic() + seconds
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError as error:
                if error.errno != errno.EBUSY or time.monotonic() > give_up:
                    raise
                self.kill_all(seconds=0.1)
                time.sleep(0.005)

