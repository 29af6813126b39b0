"""Where things live: the repository's solutions and releases, and an instructor's course folder.

A course folder ``DIR`` follows nbgrader's layout::

    DIR/submitted/<student>/<assignment>/<assignment>.ipynb   what students handed in
    DIR/gradebook.db                                           the nbgrader gradebook
    DIR/autograded/<student>/<assignment>/verdict.json         every check, message and diagnosis
    DIR/.grader/secret                                         seeds the hidden cases (never shared)
"""
import os
import re
import stat
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SOLUTIONS = REPOSITORY / "solutions"
EXERCISES = REPOSITORY / "exercises"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")   # matched whole (fullmatch)
NAME_RULE = "use letters, digits and _ . @ + -, starting with a letter or digit"


def solution_notebook(assignment):
    return SOLUTIONS / assignment / (assignment + ".ipynb")


def release_notebook(assignment):
    return EXERCISES / assignment / (assignment + ".ipynb")


def released_assignments():
    """Names of the assignments that have a source notebook in ``solutions/``."""
    return sorted(path.parent.name for path in SOLUTIONS.glob("*/*.ipynb")
                  if path.stem == path.parent.name)


def check_name(kind, name):
    """Refuse names that could escape the course folder (``..``, slashes, hidden files, newlines)."""
    if not SAFE_NAME.fullmatch(name):
        raise ValueError("invalid %s name %s: %s" % (kind, shown(name), NAME_RULE))
    return name


def shown(name):
    """``name`` as it may be printed: quoted and escaped, never raw control characters."""
    return ascii(name)


def folder_problem(path):
    """Why ``path``, a student's entry under ``submitted/``, is not a student folder (None if it is)."""
    if not SAFE_NAME.fullmatch(path.name):
        return "the folder name is not accepted as a student id (%s)" % NAME_RULE
    try:
        mode = os.lstat(path).st_mode
    except OSError as error:
        return "this entry of submitted/ could not be read (%s)" % os.strerror(error.errno)
    if stat.S_ISLNK(mode):
        return "the student folder is a symbolic link, not a folder"
    if not stat.S_ISDIR(mode):
        return "this entry of submitted/ is not a folder"
    return None


class Course:
    """An instructor's course folder."""

    def __init__(self, root, db_url=None):
        self.root = Path(root).resolve()
        self._db_url = db_url

    @property
    def db_url(self):
        """The gradebook's SQLAlchemy URL: the one given, else ``DIR/gradebook.db`` (nbgrader's default)."""
        return self._db_url or "sqlite:///" + str(self.root / "gradebook.db")

    @property
    def submitted(self):
        """The folder of the students' folders; everything below it is the students'."""
        return self.root / "submitted"

    def submission(self, student, assignment):
        return self.submitted / student / assignment / (assignment + ".ipynb")

    def verdict_path(self, student, assignment):
        return self.root / "autograded" / student / assignment / "verdict.json"

    def student_folders(self, student=None):
        """``(students, refused)`` under ``submitted/`` (or only ``student``'s entry).

        ``students`` are the sorted names of real folders with acceptable names; ``refused`` lists
        ``(shown name, reason)`` for every other entry (symbolic links, files, unsafe names).
        """
        problems = [(name, folder_problem(self.submitted / name)) for name in self._entry_names(student)]
        return ([name for name, problem in problems if problem is None],
                [(shown(name), problem) for name, problem in problems if problem is not None])

    def _entry_names(self, student):
        """Every name in ``submitted/``, or ``student`` alone, which must be acceptable and exist."""
        if not self.submitted.is_dir():
            raise FileNotFoundError("%s has no submitted/ folder (expected submitted/<student>/<assignment>/)"
                                    % self.root)
        if student is None:
            return sorted(os.listdir(self.submitted))
        check_name("student", student)
        if not os.path.lexists(self.submitted / student):
            raise FileNotFoundError("no folder submitted/%s under %s" % (student, self.root))
        return [student]
