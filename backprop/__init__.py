"""Reference NumPy implementations shared by the book's chapters and the grader.

Column convention throughout: ``X`` has shape ``(n_x, m)``, one example per column;
``W[l]`` has shape ``(n_l, n_{l-1})`` and ``b[l]`` has shape ``(n_l, 1)``.
"""
