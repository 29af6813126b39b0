"""The instructor's package: releases, trusted verification and grade export (``python -m grader``)."""
import os
import sys

# nbgrader's Gradebook runs the `alembic` command it installs beside this interpreter; make sure it
# is found even when the virtual environment is not activated (e.g. `.venv/bin/python -m grader`).
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
