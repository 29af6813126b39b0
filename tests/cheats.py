"""The cheats the tests try: their home is ``grader.cheats``, which the demo class shares."""
from grader.cheats import A3_CHEATS, CHEATS, NOTEBOOK_CHEATS, fill, target  # noqa: F401
