"""Array intents against a real Slurm (started by .ci/run or slurm/start_local_slurm.sh): an
array that sbatch accepted but whose launcher died before recording it is found by its
comment with the real ``squeue --me`` and adopted; an intent whose sbatch never ran is void."""

from __future__ import annotations

import subprocess

from grid.job import Job
from grid.store.folder import JobFolder
from grid.store.intents import QUEUED, VOID, Intent, read_intents, settle
from tests.slurm_cluster import needs_slurm

pytestmark = needs_slurm


def toy_jobs(n: int) -> list[Job]:
    return [Job("encode", {"i": i}, label=f"toy {i}") for i in range(n)]


def test_an_accepted_array_without_receipt_is_adopted_and_one_never_sent_is_void(tmp_path):
    sent, lost = toy_jobs(2), toy_jobs(3)[2:]
    accepted = Intent.new(tmp_path, "toy", "encode", [[job] for job in sent])
    never_sent = Intent.new(tmp_path, "toy", "encode", [[job] for job in lost])
    # What the launcher's sbatch did before it was killed: the array carries the comment.
    array_id = subprocess.run(
        ["sbatch", "--parsable", "--hold", f"--comment={accepted.comment}", "--array=0-1",
         "--output=/dev/null", "--wrap=true"],
        capture_output=True, text=True, check=True,
    ).stdout.strip().split(";")[0]  # fmt: skip
    try:
        settled = settle(tmp_path)
    finally:
        subprocess.run(["scancel", array_id], check=False)
    assert [i.token for i in settled.adopted] == [accepted.token]
    assert [i.token for i in settled.voided] == [never_sent.token] and not settled.uncertain
    states = {i.token: i.state for i in read_intents(tmp_path)}
    assert states == {accepted.token: QUEUED, never_sent.token: VOID}
    for index, job in enumerate(sent):
        assert JobFolder.of(tmp_path, job).scheduler_id() == f"{array_id}_{index}"
    assert JobFolder.of(tmp_path, lost[0]).scheduler_id() is None
