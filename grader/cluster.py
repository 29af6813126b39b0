"""Grading on a Dask distributed cluster: ``autograde --scheduler ADDRESS``.

Each submission goes to a Dask worker as one ``grader.task.Task`` (the notebook's bytes, read by
the parent, and the course secret) and comes back as its verdict; the parent still reads every
submission and writes every verdict and gradebook row, so nothing changes in the course folder but
who does the grading. A worker runs ``grader.task.grade_task``, which starts the same sandbox as a
local run: every worker machine needs this repository importable (its ``.venv``), bubblewrap,
and, for the memory and CPU limits of every assignment, root with usable cgroups. Start workers
with one thread each, as processes allowed to have children (grading reads each notebook in a
process of its own)::

    DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker ADDRESS --nthreads 1 --nworkers N

Dask retries a task whose worker died on another worker; when it gives up, the submission is
graded once more alone and then reported (``grader.autograde.graded``).
"""
import contextlib
import multiprocessing

from distributed import Client

CONNECT_SECONDS = 30


class ClusterPool:
    """The cluster seen as the executor ``grader.autograde.graded`` expects: ``submit`` sends a call
    to a worker; shutting it down (or leaving a ``with`` block) cancels nothing of other pools."""

    def __init__(self, client):
        self.executor = client.get_executor(pure=False)
        self.submitted = []

    def submit(self, function, *arguments):
        future = self.executor.submit(function, *arguments)
        self.submitted.append(future)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        if cancel_futures:
            for future in self.submitted:
                future.cancel()
        self.submitted = []

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.shutdown()


@contextlib.contextmanager
def connect(address):
    """``(start_pool, workers)`` for ``grader.autograde.graded`` on the cluster whose scheduler is
    at ``address``: ``workers`` is how many tasks its workers run at once (their threads)."""
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise RuntimeError("could not reach the Dask scheduler at %s: %s" % (address, error)) from None
    with client:
        workers = sum(client.nthreads().values())
        if not workers:
            raise RuntimeError("the Dask scheduler at %s has no workers: start some with "
                               "`dask worker %s --nthreads 1`" % (address, address))
        daemonic = [worker for worker, daemon in client.run(_is_daemonic).items() if daemon]
        if daemonic:
            raise RuntimeError("%d Dask worker(s) of %s (e.g. %s) may not start processes, which grading "
                               "needs: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False"
                               % (len(daemonic), address, daemonic[0]))
        yield (lambda count: ClusterPool(client)), workers


def _is_daemonic():
    """On a worker: whether it is a daemonic process (one that multiprocessing forbids children)."""
    return multiprocessing.current_process().daemon
