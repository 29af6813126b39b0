"""The cgroups of one sandbox run: memory and CPU limits for all of its processes together.

Per-process limits (``RLIMIT_AS``, ``RLIMIT_CPU``) hold each process on its own, so a sandbox of
sixteen processes could hold sixteen times its memory and spend sixteen times its CPU time. A
cgroup counts what all of its processes use, whoever they are:

- memory: every page the group's processes use; the kernel's OOM killer acts as soon as the group
  as a whole passes its limit;
- cpuacct: the CPU time of all of the group's processes (exited ones included), which the grader
  polls and compares with the run's total;
- cpu: a CFS quota that caps the group's rate (by default one CPU), so one sandbox cannot fill
  every core even before it has used up its total.

Each run gets one :class:`SandboxGroups`: a group on every hierarchy that has one of these
controllers (on cgroup v1 they may each have a mount of their own, or share one, such as
``cpu,cpuacct``; on v2 one group of the unified hierarchy serves them all). The groups are made
below the grader's own group on that hierarchy (as ``/proc/self/cgroup`` names it), or, if that is
the top of the hierarchy, below a ``grader-sandboxes`` group made there:

- cgroup v1: ``memory.limit_in_bytes`` and, when swap is accounted, ``memory.memsw.limit_in_bytes``
  (memory plus swap) set to the same value; OOM kills are counted in ``memory.oom_control``, the
  peak in ``memory.max_usage_in_bytes``; ``cpu.cfs_period_us`` and ``cpu.cfs_quota_us`` cap the
  rate; ``cpuacct.usage`` counts the CPU time in nanoseconds;
- cgroup v2 (the unified ``cgroup2`` mount): ``memory.max``, ``memory.swap.max`` = 0 and
  ``memory.oom.group`` = 1 (an OOM kill takes the whole group); kills are counted in
  ``memory.events``, the peak in ``memory.peak``; ``cpu.max`` caps the rate; ``cpu.stat``'s
  ``usage_usec`` counts the CPU time (it needs no controller). A v2 group can delegate a
  controller to its children only if it holds no process itself, so when the grader's group does,
  the grader moves itself into a leaf ``grader`` below it first.

A controller is used on v1 where a v1 hierarchy has it, else on v2 where the unified hierarchy can
give it. Only root can do this (an ordinary user's group is not delegated on v1); a controller that
cannot be used is left out (:func:`bases` does not name it), and only the per-process limits hold
for what it would have limited.
"""
import errno
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "cpu", "cpuacct")
CFS_PERIOD_MICROSECONDS = 100_000
# The control file a group of each controller must have to be of use, by cgroup version.
_NEEDED_FILES = {1: {"memory": "memory.limit_in_bytes", "cpu": "cpu.cfs_quota_us",
                     "cpuacct": "cpuacct.usage"},
                 2: {"memory": "memory.max", "cpu": "cpu.max", "cpuacct": "cpu.stat"}}

_bases_lock = threading.Lock()
_bases = None


@dataclass(frozen=True)
class Base:
    """Where this grader makes its groups on one hierarchy: a folder of it, its version (1 or 2)
    and which of :data:`CONTROLLERS` the groups made there serve."""
    path: Path
    version: int
    controllers: frozenset = frozenset({"memory"})


def _mounts():
    """``(mount point, root, version, controllers)`` of every cgroup hierarchy mounted, v1 first;
    the controllers of a v1 mount are those of :data:`CONTROLLERS` in its options (None for v2)."""
    found, unified = [], None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        fields, tail = fields.split(), tail.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, mount_point, fstype, options = fields[3], fields[4], tail[0], tail[2].split(",")
        if fstype == "cgroup":
            controllers = frozenset(options) & frozenset(CONTROLLERS)
            if controllers and all(controllers.isdisjoint(known) for _, _, _, known in found):
                found.append((Path(mount_point), root, 1, controllers))
        elif fstype == "cgroup2" and unified is None:
            unified = (Path(mount_point), root, 2, None)
    return found + ([unified] if unified else [])


def _own_group(version, controllers=()):
    """This process's group on the v1 hierarchy of ``controllers``, or on the v2 one."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if version == 1 and not frozenset(controllers).isdisjoint(names.split(",")):
            return path
        if version == 2 and names == "":
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


def _delegate_v2(folder, wanted):
    """Let ``folder``'s children have those of the ``wanted`` v2 controllers it can give, moving
    this process to a leaf if need be; the set of those it gives."""
    available = set((folder / "cgroup.controllers").read_text().split()) & set(wanted)
    given = set()
    for controller in sorted(available):
        if controller in (folder / "cgroup.subtree_control").read_text().split():
            given.add(controller)
            continue
        try:
            _write(folder / "cgroup.subtree_control", "+" + controller)
        except OSError as error:
            if error.errno != errno.EBUSY:
                continue
            leaf = folder / "grader"
            leaf.mkdir(exist_ok=True)
            _write(leaf / "cgroup.procs", str(os.getpid()))
            try:
                _write(folder / "cgroup.subtree_control", "+" + controller)
            except OSError:
                continue
        given.add(controller)
    return given


def _usable(folder, version, controllers):
    """Those of ``controllers`` whose control files a group made in ``folder`` has, the CPU quota
    written (one group is made and removed, so that a base that only looks usable is not taken)."""
    group = Group(folder / ("sandbox-probe-" + secrets.token_hex(6)), version, frozenset())
    group.path.mkdir()
    try:
        usable = set(name for name in controllers
                     if (group.path / _NEEDED_FILES[version][name]).exists())
        if "cpu" in usable:
            try:
                SandboxGroups._set_cpu_rate(group, 1.0)
            except OSError:
                usable.discard("cpu")
        return frozenset(usable)
    finally:
        group.path.rmdir()


def _base_on(mount_point, root, version, controllers):
    """The :class:`Base` on one hierarchy for those of ``controllers`` it can give, or None."""
    group = _own_group(version, controllers)
    folder = _under_mount(mount_point, root, group) if group is not None else None
    if folder is None or not folder.is_dir():
        return None
    try:
        if version == 2:
            # cpu.stat's usage_usec is there without any controller.
            controllers = _delegate_v2(folder, controllers - {"cpuacct"}) | (controllers & {"cpuacct"})
        if folder == mount_point:  # never make groups at the top of a hierarchy
            folder = folder / "grader-sandboxes"
            folder.mkdir(exist_ok=True)
            if version == 2:
                controllers = _delegate_v2(folder, controllers - {"cpuacct"}) | (controllers & {"cpuacct"})
        controllers = _usable(folder, version, controllers)
    except OSError:
        return None
    return Base(folder, version, controllers) if controllers else None


def _find_bases():
    """Work out the :class:`Base` of each controller (see :func:`bases`): on a v1 hierarchy that
    has it, else on the v2 one."""
    if os.geteuid() != 0:
        return {}
    found = {}
    for mount_point, root, version, controllers in _mounts():
        if version == 2:
            controllers = frozenset(CONTROLLERS) - set(found)
            if not controllers:
                break
        base = _base_on(mount_point, root, version, controllers)
        if base is not None:
            found.update((name, base) for name in base.controllers)
    return found


def bases():
    """``{controller: Base}`` for the controllers sandbox groups can use, found once per process;
    empty if none (not root, or no usable cgroup hierarchy)."""
    global _bases
    with _bases_lock:
        if _bases is None:
            _bases = _find_bases()
        return dict(_bases)


def memory_base():
    """The :class:`Base` of the memory groups, or None if no memory controller can be used."""
    return bases().get("memory")


def cpu_base():
    """The :class:`Base` of the groups whose CPU time is counted, or None."""
    return bases().get("cpuacct")


def cpu_rate_base():
    """The :class:`Base` of the groups whose CPU rate is capped, or None."""
    return bases().get("cpu")


@dataclass(frozen=True)
class Group:
    """One group of a run on one hierarchy."""
    path: Path
    version: int
    controllers: frozenset

    @property
    def join_file(self):
        return str(self.path / ("tasks" if self.version == 1 else "cgroup.procs"))


class SandboxGroups:
    """The groups of one sandbox run, one on each hierarchy it uses: made with their limits,
    joined by the child, watched, then emptied and removed."""

    def __init__(self, groups):
        self.groups = list(groups)
        self.by_controller = {name: group for group in self.groups for name in group.controllers}
        self._join_files = [group.join_file for group in self.groups]

    @classmethod
    def create(cls, memory_bytes, cpus=1.0):
        """New empty groups on every hierarchy of :func:`bases`: memory plus swap at most
        ``memory_bytes``, at most ``cpus`` CPUs at once; None where no controller can be used."""
        found = bases()
        if not found:
            return None
        name = "sandbox-" + secrets.token_hex(8)
        on = {}
        for controller, base in found.items():
            on.setdefault(base.path, set()).add(controller)
        made = []
        try:
            for folder, controllers in on.items():
                group = Group(folder / name, found[min(controllers)].version, frozenset(controllers))
                group.path.mkdir()
                made.append(group)
            run_groups = cls(made)
            if run_groups.memory_limited:
                run_groups._set_memory(run_groups.by_controller["memory"], memory_bytes)
            if run_groups.cpu_rate_limited:
                run_groups._set_cpu_rate(run_groups.by_controller["cpu"], cpus)
        except OSError:
            cls(made).remove()
            raise
        return run_groups

    @staticmethod
    def _set_memory(group, limit_bytes):
        """Memory plus swap at most ``limit_bytes``; on v2, an OOM kill takes the whole group."""
        if group.version == 1:
            _write(group.path / "memory.limit_in_bytes", str(limit_bytes))
            if (group.path / "memory.memsw.limit_in_bytes").exists():
                _write(group.path / "memory.memsw.limit_in_bytes", str(limit_bytes))
        else:
            _write(group.path / "memory.max", str(limit_bytes))
            for name, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                if (group.path / name).exists():
                    _write(group.path / name, value)

    @staticmethod
    def _set_cpu_rate(group, cpus):
        """At most ``cpus`` CPUs' worth of time in every CFS period."""
        period = CFS_PERIOD_MICROSECONDS
        quota = max(1000, int(period * cpus))
        if group.version == 1:
            _write(group.path / "cpu.cfs_period_us", str(period))
            _write(group.path / "cpu.cfs_quota_us", str(quota))
        else:
            _write(group.path / "cpu.max", "%d %d" % (quota, period))

    @property
    def memory_limited(self):
        return "memory" in self.by_controller

    @property
    def cpu_counted(self):
        return "cpuacct" in self.by_controller

    @property
    def cpu_rate_limited(self):
        return "cpu" in self.by_controller

    @property
    def paths(self):
        return [group.path for group in self.groups]

    def join(self):
        """Move the calling process into every group (between fork and exec).

        Only for a process of one thread (a child between fork and exec). On v1 it moves itself
        as a thread, "0" to ``tasks``: the kernel then skips the lock that moving a whole thread
        group takes, which waits for an RCU grace period (tens of milliseconds).
        """
        for join_file in self._join_files:
            fd = os.open(join_file, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)

    @staticmethod
    def _counter(path, key):
        """The value of ``key`` in a flat-keyed control file (0 if the file cannot be read)."""
        try:
            text = path.read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
        return 0

    def oom_kills(self):
        """How many of the run's processes the kernel killed for the memory limit (0 if none is set)."""
        group = self.by_controller.get("memory")
        if group is None:
            return 0
        if group.version == 1:
            return self._counter(group.path / "memory.oom_control", "oom_kill")
        return self._counter(group.path / "memory.events", "oom_kill")

    def peak_bytes(self):
        """The most memory the run held at once, or None where the kernel does not say."""
        group = self.by_controller.get("memory")
        if group is None:
            return None
        name = "memory.max_usage_in_bytes" if group.version == 1 else "memory.peak"
        try:
            return int((group.path / name).read_text())
        except (OSError, ValueError):
            return None

    def cpu_seconds(self):
        """The CPU time all of the run's processes used together so far, or None if not counted."""
        group = self.by_controller.get("cpuacct")
        if group is None:
            return None
        if group.version == 1:
            try:
                return int((group.path / "cpuacct.usage").read_text()) / 1e9
            except (OSError, ValueError):
                return None
        return self._counter(group.path / "cpu.stat", "usage_usec") / 1e6

    def _members(self):
        """The pids of the processes in any of the groups now."""
        members = set()
        for group in self.groups:
            try:
                members.update(int(pid) for pid in (group.path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return members

    def kill_all(self, seconds=5.0):
        """SIGKILL everything still in the groups and wait until they are empty; True if they emptied."""
        give_up = time.monotonic() + seconds
        while True:
            members = self._members()
            if not members:
                return True
            if time.monotonic() > give_up:
                return False
            for group in self.groups:
                if group.version == 2 and (group.path / "cgroup.kill").exists():
                    try:
                        _write(group.path / "cgroup.kill", "1")
                    except OSError:
                        pass
            for pid in members:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.005)

    def remove(self, seconds=5.0):
        """Remove the (empty) groups, waiting briefly while exiting processes still hold them."""
        give_up = time.monotonic() + seconds
        for group in self.groups:
            while True:
                try:
                    group.path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY or time.monotonic() > give_up:
                        raise
                    self.kill_all(seconds=0.1)
                    time.sleep(0.005)
