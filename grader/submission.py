"""Read a submitted file: the first thing the trusted parent does with anything a student controls.

Returns the notebook's bytes or raises :class:`Ungradable` with a reason written for the student
and the CSV. Nothing here interprets the bytes; ``grader.notebook`` does that.
"""
MAX_NOTEBOOK_BYTES = 20 << 20


class Ungradable(Exception):
    """The submission cannot be graded at all; the message says why, for the student and the CSV."""


def read_submission(path, trusted_root=None):
    """The bytes of the submitted notebook at ``path`` (at most ``MAX_NOTEBOOK_BYTES``).

    ``trusted_root``, when given, is a folder above ``path`` whose own path is the instructor's;
    every part of ``path`` below it is the student's.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise Ungradable("no submission: %s is missing" % path.name) from None
    if size > MAX_NOTEBOOK_BYTES:
        raise Ungradable("the notebook is %d MB, larger than the %d MB limit"
                         % (size >> 20, MAX_NOTEBOOK_BYTES >> 20))
    return path.read_bytes()
