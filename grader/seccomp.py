"""A seccomp filter for the sandbox: the few system calls a student's code has no use for.

bubblewrap loads it (``--seccomp FD``) just before it executes the sandbox's first command, after
it has built the namespaces, so bubblewrap's own use of ``unshare`` or ``mount`` is unaffected and
so is ``setpriv`` (which needs ``setresuid``, ``setresgid`` and ``setgroups``, none of them denied).

The filter is a classic BPF program: an array of ``struct sock_filter {u16 code; u8 jt; u8 jf;
u32 k}`` in native byte order, run by the kernel on ``struct seccomp_data {int nr; u32 arch;
u64 instruction_pointer; u64 args[6]}`` at every system call. It

1. kills the process if the call comes from another architecture than the grader's (a 32-bit
   ``int 0x80`` call on x86_64 has other numbers, which the list below would not match);
2. on x86_64, denies every call of the x32 ABI (numbers from ``0x40000000``: other numbers again);
3. makes the calls of :data:`DENIED` fail with ``EPERM``;
4. denies ``clone`` when it asks for a new namespace, and makes ``clone3`` (whose flags live in
   memory that a filter cannot read) fail with ``ENOSYS``, so that the C library falls back to
   ``clone``, as it does on kernels older than 5.3;
5. allows everything else.
"""
import errno
import platform
import struct
import sys

# Why each call is denied. Every one of them either reaches kernel state that outlives the sandbox
# or is shared beyond it, or is a large attack surface that plain NumPy code never needs.
DENIED = (
    # The kernel keyrings belong to a uid, not to a namespace: a key stored by one sandbox could
    # be read by a later one (and the keys count against a per-uid quota).
    "add_key", "request_key", "keyctl",
    # BPF programs, performance counters and userfaultfd: kernel attack surface (and, for perf,
    # a side channel on other processes).
    "bpf", "perf_event_open", "userfaultfd",
    # io_uring performs I/O beside the system-call path that this filter sees.
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # Reading or writing another process's memory.
    "ptrace", "process_vm_readv", "process_vm_writev",
    # New or other namespaces and mounts: the sandbox's namespaces are bubblewrap's to make.
    "unshare", "setns", "mount", "umount2", "pivot_root", "mount_setattr",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    # Replacing the kernel or loading modules.
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
)

# clone() flags that make a new namespace (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
# CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET).
NEW_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

# Calls numbered the same on both architectures (the numbers unified since Linux 5.1).
_COMMON = {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
           "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
           "fspick": 433, "clone3": 435, "mount_setattr": 442}

X86_64 = dict(_COMMON, add_key=248, request_key=249, keyctl=250, bpf=321, perf_event_open=298,
              userfaultfd=323, ptrace=101, process_vm_readv=310, process_vm_writev=311, unshare=272,
              setns=308, mount=165, umount2=166, pivot_root=155, kexec_load=246, kexec_file_load=320,
              init_module=175, finit_module=313, delete_module=176, clone=56)

AARCH64 = dict(_COMMON, add_key=217, request_key=218, keyctl=219, bpf=280, perf_event_open=241,
               userfaultfd=282, ptrace=117, process_vm_readv=270, process_vm_writev=271, unshare=97,
               setns=268, mount=40, umount2=39, pivot_root=41, kexec_load=104, kexec_file_load=294,
               init_module=105, finit_module=273, delete_module=106, clone=220)

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

# machine name (platform.machine()) -> (audit architecture, syscall numbers, has the x32 ABI)
ARCHITECTURES = {"x86_64": (AUDIT_ARCH_X86_64, X86_64, True),
                 "aarch64": (AUDIT_ARCH_AARCH64, AARCH64, False),
                 "arm64": (AUDIT_ARCH_AARCH64, AARCH64, False)}

# BPF instruction classes and modes, and seccomp return values (linux/filter.h, linux/seccomp.h).
LOAD_WORD = 0x00 | 0x00 | 0x20           # BPF_LD | BPF_W | BPF_ABS
JUMP_IF_EQUAL = 0x05 | 0x10 | 0x00       # BPF_JMP | BPF_JEQ | BPF_K
JUMP_IF_AT_LEAST = 0x05 | 0x30 | 0x00    # BPF_JMP | BPF_JGE | BPF_K
JUMP_IF_ANY_BIT = 0x05 | 0x40 | 0x00     # BPF_JMP | BPF_JSET | BPF_K
RETURN = 0x06                            # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000

# Offsets in struct seccomp_data; the low half of args[0] depends on the byte order.
NR_OFFSET = 0
ARCH_OFFSET = 4
FIRST_ARGUMENT_LOW_OFFSET = 16 if sys.byteorder == "little" else 20


class UnsupportedArchitecture(RuntimeError):
    """No system-call table for this machine: running without the filter would not be safe."""


def _load(offset):
    """Load the 32-bit word at ``offset`` of ``struct seccomp_data``."""
    return (LOAD_WORD, offset, None, None)


def _jump(code, value, if_true=None, if_false=None):
    """A conditional jump to labels (``None``: go on with the next instruction)."""
    return (code, value, if_true, if_false)


def _return(value):
    """End the filter with the verdict ``value``."""
    return (RETURN, value, None, None)


def _instructions(arch, numbers, has_x32):
    """The program as ``(label, (code, k, true label, false label))`` pairs."""
    program = [(None, _load(ARCH_OFFSET)),
               (None, _jump(JUMP_IF_EQUAL, arch, if_false="kill")),
               (None, _load(NR_OFFSET))]
    if has_x32:
        program.append((None, _jump(JUMP_IF_AT_LEAST, X32_SYSCALL_BIT, if_true="deny")))
    program += [(None, _jump(JUMP_IF_EQUAL, numbers[name], if_true="deny")) for name in DENIED]
    program += [(None, _jump(JUMP_IF_EQUAL, numbers["clone3"], if_true="no_such_call")),
                (None, _jump(JUMP_IF_EQUAL, numbers["clone"], if_false="allow")),
                (None, _load(FIRST_ARGUMENT_LOW_OFFSET)),
                (None, _jump(JUMP_IF_ANY_BIT, NEW_NAMESPACE_FLAGS, if_true="deny", if_false="allow")),
                ("allow", _return(RET_ALLOW)),
                ("deny", _return(RET_ERRNO | errno.EPERM)),
                ("no_such_call", _return(RET_ERRNO | errno.ENOSYS)),
                ("kill", _return(RET_KILL_PROCESS))]
    return program


def _assemble(program):
    """Resolve labels into relative jumps and pack each instruction as a ``struct sock_filter``."""
    where = {label: index for index, (label, _) in enumerate(program) if label}
    packed = []
    for index, (_, (code, value, if_true, if_false)) in enumerate(program):
        offsets = [where[label] - index - 1 if label else 0 for label in (if_true, if_false)]
        if not all(0 <= offset <= 255 for offset in offsets):
            raise ValueError("jump out of range at instruction %d" % index)
        packed.append(struct.pack("=HBBI", code, offsets[0], offsets[1], value))
    return b"".join(packed)


def program_for(machine=None):
    """The compiled filter (bytes) for ``machine`` (default: this one, as ``platform.machine()``)."""
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise UnsupportedArchitecture("no seccomp filter for the %r architecture (known: %s)"
                                      % (machine, ", ".join(sorted(ARCHITECTURES))))
    return _assemble(_instructions(*ARCHITECTURES[machine]))
