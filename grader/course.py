"""Where things live: the repository's solutions and releases, and an instructor's course folder.

A course folder ``DIR`` follows nbgrader's layout::

    DIR/submitted/<student>/<assignment>/<assignment>.ipynb   what students handed in
    DIR/gradebook.db                                           the nbgrader gradebook
    DIR/autograded/<student>/<assignment>/verdict.json         every check, message and diagnosis
    DIR/.grader/secret                                         seeds the hidden cases (never shared)
"""
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SOLUTIONS = REPOSITORY / "solutions"
EXERCISES = REPOSITORY / "exercises"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


def solution_notebook(assignment):
    return SOLUTIONS / assignment / (assignment + ".ipynb")


def release_notebook(assignment):
    return EXERCISES / assignment / (assignment + ".ipynb")


def released_assignments():
    """Names of the assignments that have a source notebook in ``solutions/``."""
    return sorted(path.parent.name for path in SOLUTIONS.glob("*/*.ipynb")
                  if path.stem == path.parent.name)


def check_name(kind, name):
    """Refuse names that could escape the course folder (``..``, slashes, hidden files)."""
    if not SAFE_NAME.match(name):
        raise ValueError("invalid %s name %r: use letters, digits and _ . @ + -" % (kind, name))
    return name


class Course:
    """An instructor's course folder."""

    def __init__(self, root):
        self.root = Path(root).resolve()

    @property
    def db_url(self):
        return "sqlite:///" + str(self.root / "gradebook.db")

    def submission(self, student, assignment):
        return self.root / "submitted" / student / assignment / (assignment + ".ipynb")

    def verdict_path(self, student, assignment):
        return self.root / "autograded" / student / assignment / "verdict.json"

    def submitting_students(self):
        """Every folder under ``submitted/``, sorted; a folder with an unsafe name is an error."""
        folder = self.root / "submitted"
        if not folder.is_dir():
            raise FileNotFoundError("%s has no submitted/ folder (expected submitted/<student>/<assignment>/)"
                                    % self.root)
        return sorted(check_name("student", path.name) for path in folder.iterdir() if path.is_dir())
