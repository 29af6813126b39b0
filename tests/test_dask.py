"""autograde --scheduler: the same class graded on a local Dask cluster and by local workers."""
import subprocess
import sys

import dask
import pytest
from distributed import LocalCluster

from grader import course, secret
from grader.mutants import mutate_notebook
from tests.conftest import A3, write_submission


def _grade(*arguments):
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=course.REPOSITORY,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each, on this machine, allowed children, no dashboard."""
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def test_a_class_graded_on_a_dask_cluster_gets_what_local_workers_give(
        cluster, tmp_path, solution_notebook, blank_notebook, a3):
    roots = {}
    for kind in ("local", "dask"):
        root = roots[kind] = tmp_path / kind
        write_submission(root, "correct", solution_notebook)
        write_submission(root, "blank", blank_notebook)
        write_submission(root, "mutant", mutate_notebook(solution_notebook, a3.MUTANTS[0]))
        write_submission(root, "broken", b"{\"cells\": [")
        (root / ".grader").mkdir(mode=0o700)
        (root / ".grader" / "secret").write_text("00" * secret.SECRET_BYTES)  # the same hidden cases in both
    local = _grade("autograde", A3, "--root", str(roots["local"]), "--jobs", "2")
    on_dask = _grade("autograde", A3, "--root", str(roots["dask"]), "--scheduler", cluster.scheduler_address)
    assert local.returncode == on_dask.returncode == 1, on_dask.stderr  # "broken" could not be graded
    assert "graded 3, could not grade 1" in on_dask.stderr
    for root in roots.values():
        assert _grade("export", "--root", str(root), "--to", str(root / "grades.csv")).returncode == 0
    assert (roots["dask"] / "grades.csv").read_text() == (roots["local"] / "grades.csv").read_text()
    assert "correct,a3_two_layer_network,13,13,graded" in (roots["dask"] / "grades.csv").read_text()


def test_workers_that_may_not_start_processes_are_refused_with_the_setting_to_change(tmp_path, solution_notebook):
    write_submission(tmp_path, "correct", solution_notebook)
    with dask.config.set({"distributed.worker.daemon": True}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as daemonic:
        result = _grade("autograde", A3, "--root", str(tmp_path), "--scheduler", daemonic.scheduler_address)
    assert result.returncode == 2
    assert "may not start processes" in result.stderr and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in result.stderr
    assert not (tmp_path / "autograded").exists()


def test_an_unreachable_scheduler_is_a_clear_error_before_any_grading(tmp_path, solution_notebook):
    write_submission(tmp_path, "correct", solution_notebook)
    result = _grade("autograde", A3, "--root", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.startswith("error: could not reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "autograded").exists()
