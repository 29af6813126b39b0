"""Generate student releases (``exercises/``) from the sources (``solutions/``) with nbgrader."""
import ast
import filecmp
import shutil
import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions
from traitlets.config import Config

from grader import gradebook, validator  # noqa: F401 - importing gradebook stamps new gradebooks in-process
from grader.course import EXERCISES, REPOSITORY, SOLUTIONS


STUB = "raise NotImplementedError()"
NAMED_STUB = 'raise NotImplementedError("%s is not implemented yet: write its code in place of this line")'


class NamedStubs(ClearSolutions):
    """nbgrader's ClearSolutions, with stubs that name their function.

    A blank answer then fails with "initialize_parameters is not implemented yet: ..." (for a
    method, "Value.__add__ ..."), which tells a student what to do, instead of a bare
    ``NotImplementedError``.
    """

    def _replace_solution_region(self, cell, language):
        replaced = super()._replace_solution_region(cell, language)
        if replaced and cell.cell_type == "code" and language == "python":
            cell.source = name_stubs(cell.source)
        return replaced


def name_stubs(source):
    """``source`` with each line that is only nbgrader's stub raising a message naming its function.

    The function is the innermost ``def`` around the line (with its class: ``Value.__add__``); a
    stub outside any function is left as it is.
    """
    lines = source.split("\n")
    for number, name in _enclosing_functions(source).items():
        line = lines[number - 1]
        if line.strip() == STUB:
            lines[number - 1] = line.replace(STUB, NAMED_STUB % name)
    return "\n".join(lines)


def _enclosing_functions(source):
    """{line number: qualified name of the innermost function whose body holds that line}."""
    names = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                names.update(dict.fromkeys(range(child.body[0].lineno, child.end_lineno + 1), name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)
    visit(ast.parse(source), "")
    return names


def release_preprocessors():
    """nbgrader's GenerateAssignment preprocessors with the release's stubs (:class:`NamedStubs`)."""
    return [NamedStubs if preprocessor is ClearSolutions else preprocessor
            for preprocessor in GenerateAssignment.class_traits()["preprocessors"].default()]


def _api(release_directory, db_path):
    config = Config()
    config.GenerateAssignment.preprocessors = release_preprocessors()
    config.CourseDirectory.root = str(REPOSITORY)
    config.CourseDirectory.source_directory = SOLUTIONS.name
    config.CourseDirectory.release_directory = str(release_directory)
    config.CourseDirectory.db_url = "sqlite:///" + str(db_path)
    config.Exchange.root = str(Path(db_path).parent / "exchange")
    return NbGraderAPI(config=config)


def generate(assignment, release_directory):
    """Run ``nbgrader generate_assignment`` into ``release_directory``/<assignment>/ (a scratch gradebook),
    then add the students' validator (``grader.validator``)."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        result = _api(release_directory, Path(scratch) / "gradebook.db").generate_assignment(
            assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError("nbgrader could not generate %s:\n%s" % (assignment, result.get("error") or result.get("log")))
    folder = Path(release_directory) / assignment
    validator.write(assignment, folder)
    return folder


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
