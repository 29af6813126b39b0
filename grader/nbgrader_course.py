"""nbgrader's own tools on a course folder: ``python -m grader init DIR`` and what its config sets.

``init`` writes ``DIR/nbgrader_config.py``, which calls :func:`configure`, and links
``DIR/source/<assignment>/`` to the repository, so that in ``DIR``:

- ``nbgrader generate_assignment A`` makes ``release/A/`` as ``python -m grader release`` makes
  ``exercises/A/`` (the same stubs naming their function, the same ``validate.py``), and records
  the assignment's grade cells in ``DIR/gradebook.db``;
- ``nbgrader validate`` and the formgrader find the course folder and its gradebook;
- ``nbgrader autograde`` (and the formgrader's autograde button) refuses, before reading any
  submission or writing the gradebook, and names ``python -m grader autograde``: nbgrader would run
  each student's code in a kernel with the instructor's rights and write the scores that code chose.

``source/<assignment>/`` holds symbolic links, not copies: the grader grades against the
repository's ``solutions/`` and the release's ``validate.py`` is built from them, so a copy that
drifted (an update of the repository, an edit in the course folder) would give students a release
the grader does not grade. With links there is one source; a changed assignment is changed in the
repository (then ``python -m grader release`` and ``check``).
"""
import os
import shlex
import sys
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbgrader.converters import NbGraderException

from grader import course

CONFIG_NAME = "nbgrader_config.py"
REFUSAL = ("nbgrader autograde is switched off in this course folder: it would run each student's code "
           "in a kernel with your rights and store the scores that code produced. Grade with\n"
           "    %(python)s -m grader autograde %(assignment)s --root %(root)s\n"
           "which grades every submission in a sandbox and writes the same gradebook.")
CONFIG_TEMPLATE = '''"""nbgrader's configuration for this course folder, written by `python -m grader init`.

nbgrader generate_assignment, validate and the formgrader work here as usual; nbgrader autograde
refuses and names `python -m grader autograde`, which grades in a sandbox. Lines added below the
call to configure() are kept by nbgrader (a later setting wins).
"""
import os
import shlex
import sys

sys.path.insert(0, %(repository)r)  # the repository whose grader this course uses
from grader import nbgrader_course  # noqa: E402

c = get_config()  # noqa: F821 - defined by traitlets when it loads this file
nbgrader_course.configure(c, os.path.dirname(os.path.abspath(__file__)))
'''


class AutogradeRefused(NotebookExporter):
    """The exporter of ``nbgrader autograde`` in a course folder: it refuses to be made.

    nbgrader makes a converter's exporter after listing the submissions and before touching any of
    them or the gradebook; raising :class:`NbGraderException` there ends ``nbgrader autograde``
    with exit status 1 and the formgrader's autograde with an error, after this logs the reason.
    """

    def __init__(self, parent=None, **kwargs):
        coursedir = getattr(parent, "coursedir", None)
        assignment = getattr(coursedir, "assignment_id", "") or "ASSIGNMENT"
        message = REFUSAL % {"python": shlex.quote(sys.executable), "assignment": shlex.quote(assignment),
                             "root": shlex.quote(str(getattr(coursedir, "root", "DIR")))}
        if parent is not None:
            parent.log.error(message)
        raise NbGraderException(message)


def configure(c, root):
    """Set nbgrader's config ``c`` for the course folder ``root`` (called by its nbgrader_config.py)."""
    c.CourseDirectory.root = str(root)
    from grader.release import release_preprocessors
    c.GenerateAssignment.preprocessors = release_preprocessors()
    c.Autograde.exporter_class = AutogradeRefused


def source_links(root):
    """``{link path: target}`` for ``root/source/<a>/``: each released assignment's solution notebook
    and the files beside its release notebook in ``exercises/`` (``validate.py`` and its data)."""
    links = {}
    for name in course.released_assignments():
        folder = Path(root) / "source" / name
        links[folder / (name + ".ipynb")] = course.solution_notebook(name)
        for path in sorted((course.EXERCISES / name).iterdir()):
            if path.name != name + ".ipynb" and path.is_file():
                links[folder / path.name] = path
    return links


def init(root, force=False):
    """Make ``root`` a course folder nbgrader's tools work on; returns the paths written.

    Writes ``root/nbgrader_config.py`` and the links of :func:`source_links`, and makes
    ``submitted/``. Without ``force``, an existing config or a source file that is not already the
    right link is left alone and nothing is written (``ValueError`` lists them).
    """
    root = Path(root).resolve()
    if os.path.lexists(root) and not root.is_dir():
        raise ValueError("%s is not a folder" % root)
    config = root / CONFIG_NAME
    links = source_links(root)
    kept = ([config] if os.path.lexists(config) and not _is_our_config(config) else []) + [
        path for path, target in links.items() if _occupied(path, target)]
    if kept and not force:
        raise ValueError("%s already exist(s) in %s; nothing was written (use --force to replace them): %s"
                         % (len(kept), root, ", ".join(str(path.relative_to(root)) for path in kept)))
    (root / "submitted").mkdir(parents=True, exist_ok=True)
    written = [config] if _write_config(config) else []
    for path, target in links.items():
        if _place_link(path, target):
            written.append(path)
    return written


def _occupied(path, target):
    """True if ``path`` exists and is not already a link to ``target``."""
    if not os.path.lexists(path):
        return False
    return not (path.is_symlink() and Path(os.readlink(path)) == target)


def _config_text():
    return CONFIG_TEMPLATE % {"repository": str(course.REPOSITORY)}


def _is_our_config(config):
    """True if ``config`` is a regular file holding exactly what ``init`` writes."""
    return config.is_file() and not config.is_symlink() and config.read_bytes() == _config_text().encode("utf-8")


def _write_config(config):
    if _is_our_config(config):
        return False
    temporary = config.with_name(config.name + ".tmp")
    temporary.write_text(_config_text(), encoding="utf-8")
    os.replace(temporary, config)
    return True


def _place_link(path, target):
    """Make ``path`` a symbolic link to ``target`` (replacing what is there); False if it already was."""
    if not _occupied(path, target) and os.path.lexists(path):
        return False
    if path.is_dir() and not path.is_symlink():
        raise ValueError("%s is a folder; remove it to link %s there" % (path, target))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".link")
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.replace(temporary, path)
    return True
