"""The per-course secret that seeds the hidden cases, and the generators drawn from it.

The repository is public, so no seed lives in it: the secret is created under the course root on
first use (``DIR/.grader/secret``, readable by its owner only) and never enters a sandbox. A
submission's cases come from HMAC(secret, assignment/student/SHA-256 of the notebook's bytes):
one leaked set of inputs tells no one else anything, and a student who learns something about
their inputs cannot use it, because any change to the notebook draws new inputs. The same bytes
always draw the same inputs, so a regrade or a resumed run gives the same scores.
"""
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

SECRET_BYTES = 32


def course_secret(root):
    """The secret of the course at ``root``, created (atomically, mode 0600) if there is none."""
    path = Path(root) / ".grader" / "secret"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_suffix(".new%d" % os.getpid())
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        os.unlink(temporary)
    return bytes.fromhex(path.read_text().strip())


def one_time_secret():
    """A fresh secret for a self-check run that keeps no course directory."""
    return secrets.token_bytes(SECRET_BYTES)


def case_generator(secret, assignment, student, notebook):
    """The random generator of the secret cases of one submission (``notebook``: its bytes)."""
    message = "%s/%s/%s" % (assignment, student, hashlib.sha256(notebook).hexdigest())
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))
