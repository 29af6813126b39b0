"""The gradebook's database, named by a SQLAlchemy URL (``db_url``): shown safely, checked before use.

A course's gradebook is any database nbgrader accepts: by default the SQLite file
``DIR/gradebook.db``, or a server's, e.g. ``postgresql://user:password@host/course`` (for a server on
a Unix socket, ``postgresql://user@/course?host=/socket/folder``). A URL may hold a password: every
message shows the URL as :func:`shown_url` does, password masked, and never the driver's raw text
with the password in it.

SQLAlchemy 2.1 reads a ``postgresql://`` URL that names no driver as one for ``psycopg`` (version 3);
this project installs ``psycopg2``, so :func:`gradebook_url` names that driver in such a URL.
"""
import re
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

CONNECT_SECONDS = 10   # how long a PostgreSQL server may take to answer before it counts as unreachable
URL_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)@")   # scheme://user:PASSWORD@...
GRADEBOOK_TABLE = "submitted_assignment"   # one of the tables nbgrader creates in a gradebook


class GradebookUnavailable(RuntimeError):
    """The gradebook's database cannot be used; the message is one line, any password masked."""


def shown_url(db_url):
    """``db_url`` as a message may show it: its password, if any, replaced by ``***``."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return URL_PASSWORD.sub(r"\1***@", db_url)


def gradebook_url(db_url):
    """``db_url`` as nbgrader is to be given it: a ``postgresql://`` URL that names no driver gets
    ``postgresql+psycopg2://``; None stays None (the course's default). Raises
    :class:`GradebookUnavailable` if ``db_url`` is not a SQLAlchemy URL."""
    if db_url is None:
        return None
    try:
        url = make_url(db_url)
    except (SQLAlchemyError, ValueError) as error:
        raise GradebookUnavailable("%s is not a gradebook URL (%s): expected e.g. postgresql://user@host/course"
                                   % (shown_url(db_url), reason(error, db_url))) from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def checked_url(db_url):
    """:func:`gradebook_url` of ``db_url`` once a connection to it worked (:func:`check_gradebook`);
    None stays None."""
    db_url = gradebook_url(db_url)
    if db_url is not None:
        check_gradebook(db_url)
    return db_url


def check_gradebook(db_url, must_exist=False):
    """Connect once to the database at ``db_url``, or raise :class:`GradebookUnavailable` saying why
    (not a URL, unknown database kind, driver missing, server unreachable, login refused).

    With ``must_exist`` the database must already hold a gradebook, and a SQLite file must already
    exist: reading grades from an absent gradebook would silently create an empty one.
    """
    try:
        url = make_url(db_url)
        if must_exist and url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
            raise GradebookUnavailable("no gradebook at %s: run autograde first" % shown_url(db_url))
        tables = _table_names(url)
    except GradebookUnavailable:
        raise
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise GradebookUnavailable("cannot open the gradebook %s: %s"
                                   % (shown_url(db_url), reason(error, db_url))) from None
    if must_exist and GRADEBOOK_TABLE not in tables:
        raise GradebookUnavailable("%s holds no gradebook: run autograde first" % shown_url(db_url))


def _table_names(url):
    """The names of the tables in the database at ``url`` (a SQLAlchemy URL object), read over one
    connection that gives up after ``CONNECT_SECONDS`` on a PostgreSQL server that does not answer."""
    timeout = {"connect_timeout": CONNECT_SECONDS} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=timeout)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def reason(error, db_url):
    """Why ``error`` happened, on one line, the password of ``db_url`` masked: the database
    driver's own message when there is one (SQLAlchemy's wraps it with SQL and a web link)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = " ".join(str(cause).split()) or type(cause).__name__
    for password in _passwords(db_url):   # as a whole word: a password "b" leaves "base" alone
        text = re.sub(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(password), "***", text)
    return text


def _passwords(db_url):
    """The password of ``db_url`` as written and as decoded (none when it has no password)."""
    match = URL_PASSWORD.search(db_url)
    try:
        decoded = make_url(db_url).password
    except (SQLAlchemyError, ValueError):
        decoded = None
    return {password for password in (match and match.group(2), decoded) if password}
