"""Known wrong versions of a solution ("mutants") and the diagnosis each one earns.

A mutant is one textual change to one function of the solution notebook: the mistake a student
makes, written once. It serves twice:

* ``python -m grader check`` writes it into the solution notebook, grades that notebook in the
  sandbox like any submission, and fails unless it loses points with exactly this diagnosis;
* when a student's result is wrong, the trusted parent runs the mutated *solution* (never the
  student's code) on the same secret inputs; if a mutant gives what the student gave, the student
  reads that mutant's diagnosis.
"""
import ast
import copy
import functools
import json
from dataclasses import dataclass

from grader.reading import kept_statements, source_text


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` by ``new`` (once, in the cell that defines ``function``)."""
    id: str
    function: str
    old: str
    new: str
    diagnosis: str


class MutantDoesNotApply(ValueError):
    """The solution text no longer contains what the mutant replaces: update the catalogue."""


def _defines(source, function):
    return ("def %s(" % function) in source


def mutate_notebook(notebook, mutant):
    """A copy of the notebook (a JSON dict) with the mutant written into its defining cell."""
    mutated = copy.deepcopy(notebook)
    for cell in mutated["cells"]:
        source = source_text(cell)
        if cell["cell_type"] == "code" and _defines(source, mutant.function):
            if source.count(mutant.old) != 1:
                raise MutantDoesNotApply("mutant %s: %r occurs %d times in the cell defining %s()"
                                         % (mutant.id, mutant.old, source.count(mutant.old), mutant.function))
            cell["source"] = source.replace(mutant.old, mutant.new)
            return mutated
    raise MutantDoesNotApply("mutant %s: no code cell defines %s()" % (mutant.id, mutant.function))


def load_functions(notebook):
    """Execute the definitions of a trusted notebook (a solution or a mutant of one) here.

    Returns the namespace. Only for notebooks from ``solutions/``: never call this on a submission.
    """
    sources = [source_text(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    trees = [ast.parse(source) for source in sources]
    namespace = {"__name__": "solution"}
    for index, statements in enumerate(kept_statements(trees), start=1):
        if statements:  # what grading keeps of a submission, compiled from the tree (it is trusted)
            module = ast.Module(body=statements, type_ignores=[])
            exec(compile(module, "<solution cell %d>" % index, "exec"), namespace)
    return namespace


@functools.lru_cache(maxsize=None)
def mutant_functions(solution_path, mutant):
    """``load_functions`` of the solution at ``solution_path`` with ``mutant`` written in.

    Loaded once per process and shared by every submission that needs it (a class run grades many
    against the same solution); the solution must not change while the process runs.
    """
    return load_functions(mutate_notebook(_solution(solution_path), mutant))


@functools.lru_cache(maxsize=None)
def _solution(path):
    return read_notebook(path)


def read_notebook(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
