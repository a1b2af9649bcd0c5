"""The progress a person sees during a local launch: the live line's text and its redraws."""

from __future__ import annotations

import io
import logging

import pytest

from grid.job import Job
from grid.progress import LiveProgress, LogProgress, clock, make_reporter, progress_line

STAGES = [("fit-codec", 3, 3), ("encode", 10, 20), ("train", 0, 12), ("evaluate", 0, 24)]


def test_the_line_shows_counts_stages_elapsed_and_time_left() -> None:
    line = progress_line(12, 2, 0, 59, STAGES, elapsed_s=83, left_s=130)
    assert line == (
        "[12/59 done · 2 running · 0 failed] fit-codec 3/3 · encode 10/20 · train 0/12 · "
        "evaluate 0/24 · 1:23 elapsed · ~2:10 left"
    )


def test_the_line_cuts_stages_that_do_not_fit_but_keeps_counts_and_times() -> None:
    line = progress_line(12, 2, 1, 59, STAGES, elapsed_s=83, left_s=None, width=95)
    assert line == (
        "[12/59 done · 2 running · 1 failed] fit-codec 3/3 · encode 10/20 · … · "
        "1:23 elapsed · ~? left"
    )
    assert len(line) <= 95
    narrow = progress_line(12, 2, 1, 59, STAGES, elapsed_s=83, left_s=None, width=10)
    assert narrow == "[12/59 done · 2 running · 1 failed] … · 1:23 elapsed · ~? left"


def test_clock_reads_minutes_and_hours() -> None:
    assert [clock(s) for s in (0, 59.6, 83, 3723)] == ["0:00", "1:00", "1:23", "1:02:03"]


def jobs() -> list[Job]:
    return [Job("encode", {"i": i}, label=f"e{i}") for i in range(3)] + [Job("train", {})]


def test_the_estimate_is_the_mean_job_time_times_jobs_left_over_parallelism() -> None:
    reporter = LogProgress(jobs(), parallel=2)
    first, second, *_ = jobs()
    reporter.started(first, "a.log")
    reporter.started(second, "b.log")
    reporter.ended(first, 10.0, None, "a.log")
    reporter.ended(second, 30.0, "ValueError: bad", "b.log")
    line = reporter.line()
    assert line.startswith("[1/4 done · 0 running · 1 failed] encode 1/3 · train 0/1 · ")
    assert line.endswith("~0:20 left")  # mean 20 s × 2 jobs left / 2 workers


def test_cancelled_jobs_are_counted_apart_and_leave_the_estimate() -> None:
    reporter = LogProgress(jobs(), parallel=1)
    first, second, _, train = jobs()
    reporter.started(first, "a.log")
    reporter.ended(first, 10.0, None, "a.log")
    reporter.started(second, "b.log")
    reporter.cancelled(second, 4.0)
    reporter.cancelled(train, None)  # never started
    line = reporter.line()
    assert line.startswith("[1/4 done · 0 running · 0 failed · 2 cancelled] encode 1/3 · ")
    assert line.endswith("~0:10 left")  # one job left (the third), 10 s a job


def test_a_terminal_gets_one_line_redrawn_in_place_and_failures_above_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the terminal's width
    stream = io.StringIO()
    live = LiveProgress(jobs(), parallel=2, stream=stream)
    first, second, *_ = jobs()
    live.started(first, "a.log")
    live.ended(first, 5.0, None, "a.log")
    live.started(second, "b.log")
    live.ended(second, 5.0, "worker killed by signal 9 (SIGKILL)", "b.log")
    live.close()
    text = stream.getvalue()
    draws = text.split("\r\x1b[2K")[1:]
    assert draws[0].startswith("[0/4 done · 1 running · 0 failed] encode 0/3 · train 0/1")
    assert draws[1].startswith("[1/4 done · 0 running · 0 failed] encode 1/3")
    assert (
        f"FAILED encode {second.signature}: worker killed by signal 9 (SIGKILL) (log b.log)\n"
        in (draws)
    )
    assert text.count("\n") == 2  # the failure and the final newline: no scrolling log
    assert text.endswith("1 failed] encode 1/3 · train 0/1 · 0:00 elapsed · ~0:05 left\n")


def test_a_pipe_gets_plain_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    reporter = make_reporter(jobs(), 2, io.StringIO())
    assert isinstance(reporter, LogProgress)
    first = jobs()[0]
    with caplog.at_level(logging.INFO, logger="grid"):
        reporter.started(first, "a.log")
        reporter.ended(first, 1.0, "ValueError: bad", "a.log")
    assert [r.getMessage() for r in caplog.records] == [
        f"started encode {first.signature} (e0), log a.log",
        f"encode {first.signature} failed: ValueError: bad (log a.log)",
    ]
