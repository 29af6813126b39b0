"""Read a submitted notebook in a process of its own: what ``grader.reading`` keeps, or why not.

Reading costs the trusted parent nothing but waiting: a notebook built to be slow or large to
read (deep nesting, thousands of ``%magic`` lines) ends as ungradable instead of stalling the class.
"""
import json
import multiprocessing
import resource
from dataclasses import asdict

from grader.reading import Definitions, Ungradable, extract_definitions, read_code_cells

READ_SECONDS = 20.0
READ_SECONDS_PER_CELL = 5.0
READ_MEMORY_BYTES = 2 << 30
MAX_REPLY_BYTES = 256 << 20
_READERS = multiprocessing.get_context("forkserver")
_READERS.set_forkserver_preload([__name__])


def load_definitions(data, seconds=READ_SECONDS):
    """``read_code_cells`` then ``extract_definitions`` of a submission's bytes: what the sandbox will run.

    The reading happens in a child process, forked from a server that has this module loaded
    already (a few milliseconds), with a memory limit, and is killed after ``seconds``: reading
    costs the trusted parent nothing but waiting, and a notebook built to be slow to read (deep
    nesting, thousands of ``%magic`` lines) ends as ungradable instead of stalling the class.
    """
    receiver, sender = _READERS.Pipe(duplex=False)
    reader = _READERS.Process(target=_read_in_child, args=(data, sender), daemon=True)
    reader.start()
    sender.close()
    try:
        if not receiver.poll(max(seconds, 0.0)):
            raise Ungradable("reading the notebook took longer than %.3g s, so it was not graded (is it "
                             "enormous, or full of %%magic lines?)" % seconds)
        reply = json.loads(receiver.recv_bytes(MAX_REPLY_BYTES))
    except (EOFError, OSError):
        raise Ungradable("the notebook could not be read: the reader ran out of memory or crashed") from None
    finally:
        reader.kill()
        reader.join()
        receiver.close()
    if "ungradable" in reply:
        raise Ungradable(reply["ungradable"])
    return Definitions(**reply)


def _read_in_child(data, sender):
    """In the reading process: limit its memory, read, send the definitions back as JSON."""
    resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY_BYTES, READ_MEMORY_BYTES))
    try:
        format_problem = notebook_format_problem(data)
        if format_problem:
            raise Ungradable(format_problem)
        reply = asdict(extract_definitions(read_code_cells(data), seconds_per_cell=READ_SECONDS_PER_CELL))
    except Ungradable as error:
        reply = {"ungradable": str(error)}
    except MemoryError:
        reply = {"ungradable": "the notebook is too large to be read"}
    except Exception as error:  # noqa: BLE001 - whatever the bytes do, the parent gets a reason
        reply = {"ungradable": "the notebook could not be read (%s)" % type(error).__name__}
    sender.send_bytes(json.dumps(reply).encode())


READABLE_FORMATS = (3, 4)   # nbformat major versions whose layout grader.reading knows


def notebook_format_problem(data):
    """Why a notebook's ``nbformat`` is not one the grader reads (3 or 4, any minor), or None.

    None too for bytes that are not JSON with a list of cells (or nbformat 3 worksheets):
    ``read_code_cells`` says what is wrong with those.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("cells", document.get("worksheets")), list):
        return None
    major = document.get("nbformat")
    if type(major) is int and major in READABLE_FORMATS:
        return None
    if "nbformat" not in document:
        return ('the notebook has no "nbformat" version, which Jupyter writes in every notebook it saves: '
                "hand in the notebook as Jupyter saved it")
    if type(major) is int and major > max(READABLE_FORMATS):
        return ("the notebook is in nbformat %d, newer than the grader reads (nbformat 4): save it from a Jupyter "
                "that writes nbformat 4" % major)
    return ("the notebook's nbformat version (%s) is not one the grader reads (3 or 4): save it from Jupyter "
            "as nbformat 4" % ascii(major)[:40])
