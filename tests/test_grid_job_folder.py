"""JobFolder: the one owner of a job folder's markers; the state they give, newest first."""

from __future__ import annotations

import os
import socket

from grid.job import Job
from grid.store.folder import JobFolder
from grid.store.state import CANCELLED, DONE, FAILED, NEW, PENDING, RUNNING

JOB = Job("encode", {"codec": "jpeg", "level": 10})


def test_markers_in_order_give_new_pending_running_failed_cancelled_done(tmp_path):
    folder = JobFolder.of(tmp_path, JOB)
    assert folder.state() == NEW
    folder.mark_submitted(executor="local", host=socket.gethostname(), pid=os.getpid())
    assert folder.state() == PENDING
    folder.mark_running(host=socket.gethostname(), pid=os.getpid(), log="/x.log")
    assert folder.state() == RUNNING
    folder.mark_failed("ValueError: bad", log="/x.log")
    assert folder.state() == FAILED
    assert folder.error() == "ValueError: bad" and folder.log_path() == "/x.log"
    folder.mark_cancelled(slurm_job_id="12_3")
    assert folder.state() == CANCELLED
    folder.mark_done({"rate_distortion": 3})
    assert folder.state() == DONE and folder.is_done()
    assert folder.read("failed") is None  # done clears the last failure


def test_a_running_attempt_whose_process_is_gone_reads_failed(tmp_path):
    folder = JobFolder.of(tmp_path, JOB)
    folder.mark_running(host=socket.gethostname(), pid=2**22 + 12345)  # no such process
    assert folder.state() == FAILED


def test_every_failed_attempt_is_kept_with_its_error_and_log(tmp_path):
    folder = JobFolder.of(tmp_path, JOB)
    folder.mark_failed("RuntimeError: first", log="a.log", traceback="tb1")
    folder.mark_failed("RuntimeError: second", log="b.log", traceback="tb2")
    attempts = folder.failures()
    assert [a["error"] for a in attempts] == ["RuntimeError: first", "RuntimeError: second"]
    assert [a["log"] for a in attempts] == ["a.log", "b.log"]
    assert folder.read("failed")["traceback"] == "tb2"  # the last attempt, in full


def test_paths_follow_the_documented_layout(tmp_path):
    folder = JobFolder.of(tmp_path, JOB.to_dict())
    assert folder.path == tmp_path / "_jobs" / "encode" / JOB.signature
    assert folder / "images.npy" == folder.path / "images.npy"
    assert folder.rows_path("rate_distortion") == folder.path / "rows" / "rate_distortion.parquet"
    folder.write_spec(JOB.to_dict())
    assert Job.from_dict(folder.read_spec()) == JOB
