"""Where things live: the repository's solutions and releases, and an instructor's course folder.

A course folder ``DIR`` follows nbgrader's layout::

    DIR/submitted/<student>/<assignment>/<assignment>.ipynb   what students handed in
    DIR/gradebook.db                                           the nbgrader gradebook
    DIR/autograded/<student>/<assignment>/verdict.json         every check, message and diagnosis
    DIR/.grader/secret                                         seeds the hidden cases (never shared)
"""
import os
import stat
import unicodedata
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SOLUTIONS = REPOSITORY / "solutions"
EXERCISES = REPOSITORY / "exercises"
MAX_NAME_LENGTH = 100
NAME_PUNCTUATION = frozenset("_.@+- ")
NAME_RULE = ("use letters and digits of any script (with their accents), _ . @ + - and single spaces between "
             "words, starting with a letter or digit, at most %d characters: no slashes, control or "
             "formatting (e.g. bidi) characters" % MAX_NAME_LENGTH)


class NameRule:
    """The rule for student ids and folder names (:data:`NAME_RULE`); ``fullmatch`` as a compiled regex's.

    nbgrader takes every folder under ``submitted/`` whose name does not start with a dot as a student
    id, in any script. This accepts those ids, unicode letters and digits with their combining marks
    included, but refuses anything unsafe as a path, a terminal line or a CSV cell: a name is a letter
    or digit (Unicode categories L, N) followed by letters, combining marks (M), digits,
    ``_ . @ + -`` and single spaces between words ("Ana María"), at most ``MAX_NAME_LENGTH``
    characters. So ``.``, ``..``, a leading dot or dash (a hidden file, an option, a spreadsheet
    formula), a space at either end or two in a row (names that look alike), slashes, other
    whitespace, control characters, bidi overrides and other formatting characters (Cf), and bytes
    that are not UTF-8 (surrogates) are out.
    """

    def fullmatch(self, name):
        """``name`` if it follows the rule, else None."""
        if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_LENGTH:
            return None
        if unicodedata.category(name[0])[0] not in "LN" or name.endswith(" ") or "  " in name:
            return None
        if all(char in NAME_PUNCTUATION or unicodedata.category(char)[0] in "LMN" for char in name):
            return name
        return None


SAFE_NAME = NameRule()


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
        if not self.root.is_dir():
            raise FileNotFoundError("the course folder %s does not exist (or is not a folder)" % self.root)
        if not self.submitted.is_dir():
            raise FileNotFoundError("%s has no submitted/ folder (expected submitted/<student>/<assignment>/)"
                                    % self.root)
        if student is None:
            return sorted(os.listdir(self.submitted))
        check_name("student", student)
        if not os.path.lexists(self.submitted / student):
            raise FileNotFoundError("no folder submitted/%s under %s" % (student, self.root))
        return [student]
