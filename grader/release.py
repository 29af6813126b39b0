"""Generate student releases (``exercises/``) from the sources (``solutions/``) with nbgrader."""
import filecmp
import shutil
import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from grader.course import EXERCISES, REPOSITORY, SOLUTIONS


def _api(release_directory, db_path):
    config = Config()
    config.CourseDirectory.root = str(REPOSITORY)
    config.CourseDirectory.source_directory = SOLUTIONS.name
    config.CourseDirectory.release_directory = str(release_directory)
    config.CourseDirectory.db_url = "sqlite:///" + str(db_path)
    config.Exchange.root = str(Path(db_path).parent / "exchange")
    return NbGraderAPI(config=config)


def generate(assignment, release_directory):
    """Run ``nbgrader generate_assignment`` into ``release_directory``/<assignment>/ (a scratch gradebook)."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        result = _api(release_directory, Path(scratch) / "gradebook.db").generate_assignment(
            assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError("nbgrader could not generate %s:\n%s" % (assignment, result.get("error") or result.get("log")))
    return Path(release_directory) / assignment


def release(assignment):
    """Regenerate ``exercises/<assignment>/`` from ``solutions/<assignment>/``."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        fresh = generate(assignment, scratch)
        target = EXERCISES / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
    return target


def release_differences(assignment):
    """Files that differ between ``exercises/<assignment>/`` and a fresh release; [] when up to date."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        fresh = generate(assignment, scratch)
        committed = EXERCISES / assignment
        if not committed.is_dir():
            return ["exercises/%s/ does not exist" % assignment]
        return _differences(filecmp.dircmp(fresh, committed), Path(assignment))


def _differences(comparison, prefix):
    found = ["%s: only in the fresh release" % (prefix / name) for name in comparison.left_only]
    found += ["%s: only in exercises/" % (prefix / name) for name in comparison.right_only]
    found += ["%s: differs from a fresh release" % (prefix / name)
              for name in filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files,
                                           shallow=False)[1]]
    for name, sub in comparison.subdirs.items():
        found += _differences(sub, prefix / name)
    return found
