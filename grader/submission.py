"""Read a submitted file: the first thing the trusted parent does with anything a student controls.

Returns the notebook's bytes or raises :class:`Ungradable` with a reason written for the student
and the CSV. Nothing here interprets the bytes; ``grader.notebook`` does that.

Everything below the trusted folder is hostile: every folder on the way and the file itself are
opened without following symbolic links, the file without blocking (a named pipe would otherwise
wait for a writer), and only a regular file is read, at most ``MAX_NOTEBOOK_BYTES + 1`` bytes of it.
"""
import errno
import itertools
import os
import stat
from pathlib import Path

from grader.reading import Ungradable  # noqa: F401 - where callers have always found it

MAX_NOTEBOOK_BYTES = 20 << 20
MAX_SCANNED = 1000    # entries of a submission folder looked at for misnamed notebooks
MAX_LISTED = 5        # misnamed notebooks named in a reason
CHUNK_BYTES = 1 << 20
FOLDER_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
         (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
         (stat.S_ISSOCK, "a socket"))


def read_submission(path, trusted_root=None):
    """The bytes of the submitted notebook at ``path`` (at most ``MAX_NOTEBOOK_BYTES``).

    ``trusted_root``, when given, is a folder above ``path`` whose own path is the instructor's;
    every part of ``path`` below it is the student's and is opened without following links.
    Without it only the file itself is (its folders are taken as the caller's).
    """
    path = Path(path)
    folder, name = _open_parent(path, trusted_root)
    try:
        descriptor = _open_file(folder, name, path.name)
    finally:
        os.close(folder)
    try:
        return _read_capped(descriptor)
    finally:
        os.close(descriptor)


def _open_parent(path, trusted_root):
    """A descriptor of the folder holding ``path``, and the file's name in it."""
    if trusted_root is None:
        return _open_trusted_folder(path.parent, path.name), path.name
    parts = path.relative_to(trusted_root).parts
    if not parts or any(part in (".", "..") for part in parts):
        raise ValueError("%s is not a file below %s" % (path, trusted_root))
    folder = _open_trusted_folder(Path(trusted_root), path.name)
    for part in parts[:-1]:
        folder = _open_untrusted_folder(folder, part, path.name)
    return folder, parts[-1]


def _open_trusted_folder(folder, file_name):
    """Open a folder whose path is the caller's (links in it are followed)."""
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise _unreadable(error, file_name) from None


def _open_untrusted_folder(parent, name, file_name):
    """Open the folder ``name`` in ``parent`` without following a link; closes ``parent``."""
    try:
        return os.open(name, FOLDER_FLAGS, dir_fd=parent)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _not_a_folder(parent, name) from None
        if error.errno == errno.ENOENT:
            raise Ungradable("no submission: the folder %s holding %s is missing" % (ascii(name), file_name)) from None
        raise _unreadable(error, file_name) from None
    finally:
        os.close(parent)


def _not_a_folder(parent, name):
    """The reason why ``name`` in ``parent``, on the way to the submission, could not be entered."""
    try:
        is_link = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        is_link = False
    if is_link:
        return Ungradable("the folder %s holding the submission is a symbolic link, not a folder"
                          % ascii(name))
    return Ungradable("%s on the way to the submission is not a folder" % ascii(name))


def _open_file(folder, name, shown_name):
    """Open the regular file ``name`` in ``folder``: no links followed, never blocking."""
    try:
        _require_regular(os.stat(name, dir_fd=folder, follow_symlinks=False))
        descriptor = os.open(name, FILE_FLAGS, dir_fd=folder)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Ungradable(_not_a_notebook("a symbolic link")) from None
        if error.errno == errno.ENOENT:
            raise _missing_notebook(folder, shown_name) from None
        raise _unreadable(error, shown_name) from None
    try:
        _require_regular(os.fstat(descriptor))
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _missing_notebook(folder, name):
    """Why ``name`` is not in ``folder``: nothing handed in, or notebooks under other names.

    The rule is nbgrader's: only the notebook named like the assignment is graded (any other
    notebook beside it is ignored), and a notebook under another name is never guessed to be it.
    """
    others = sorted(_notebooks_in(folder))
    if not others:
        return Ungradable("no submission: %s is missing (the folder holds no notebook)" % name)
    listed = ", ".join(ascii(other) for other in others[:MAX_LISTED]) + (", ..." if len(others) > MAX_LISTED else "")
    return Ungradable("no submission: %s is missing; the folder holds %d other notebook(s) (%s), not graded: only a "
                      "notebook named exactly %s is graded, so rename the one to grade" % (name, len(others), listed, name))


def _notebooks_in(folder):
    """Names ending in ``.ipynb`` among the first ``MAX_SCANNED`` entries of the open ``folder``."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in itertools.islice(entries, MAX_SCANNED)]
    except OSError:
        return []
    return [name for name in names if name.lower().endswith(".ipynb")]


def _require_regular(status):
    """Refuse anything but a regular file, saying what it is; refuse an oversized one unread."""
    if stat.S_ISREG(status.st_mode):
        if status.st_size > MAX_NOTEBOOK_BYTES:
            raise _too_large(status.st_size)
        return
    kind = next((kind for test, kind in KINDS if test(status.st_mode)), "not a regular file")
    raise Ungradable(_not_a_notebook(kind))


def _read_capped(descriptor):
    """Read at most ``MAX_NOTEBOOK_BYTES + 1`` bytes; refuse a file that has more."""
    data = bytearray()
    while len(data) <= MAX_NOTEBOOK_BYTES:
        try:
            chunk = os.read(descriptor, min(CHUNK_BYTES, MAX_NOTEBOOK_BYTES + 1 - len(data)))
        except OSError as error:
            raise Ungradable("the submission could not be read (%s)" % os.strerror(error.errno)) from None
        if not chunk:
            return bytes(data)
        data += chunk
    raise _too_large(None)


def _not_a_notebook(kind):
    return "the submission is %s, not a notebook file" % kind


def _too_large(size):
    limit = MAX_NOTEBOOK_BYTES >> 20
    if size is None:
        return Ungradable("the notebook is larger than the %d MB limit" % limit)
    return Ungradable("the notebook is %d MB, larger than the %d MB limit" % (size >> 20, limit))


def _unreadable(error, file_name):
    """The reason for an ``OSError`` while opening: missing, or unreadable for a stated cause."""
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return Ungradable("no submission: %s is missing" % file_name)
    return Ungradable("the submission could not be read (%s)" % os.strerror(error.errno))
