"""The instructor's package: releases, trusted verification and grade export (``python -m grader``)."""
