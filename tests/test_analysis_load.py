"""analysis.load refuses result files of another schema version or lacking a column, with one
line naming the file, instead of loading nulls."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from analysis.load import load
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.store.schemas import SCHEMA_VERSION


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))


def _one_evaluation_file(sweep: Path) -> Path:
    return sorted((sweep / "evaluation").glob("stage=*/*.parquet"))[0]


def _rewrite(path: Path, edit) -> None:
    pq.write_table(edit(pq.read_table(path)), path)


def test_untouched_files_load(sweep: Path) -> None:
    table = pq.read_table(_one_evaluation_file(sweep))
    assert table.schema.metadata[b"lcc.schema_version"] == str(SCHEMA_VERSION).encode()
    assert len(load(sweep).evaluation)


@pytest.mark.parametrize("version", [b"0", str(SCHEMA_VERSION + 1).encode(), None])
def test_a_file_of_another_schema_version_is_one_line_naming_it_and_both_versions(
    sweep: Path, version: bytes | None
) -> None:
    path = _one_evaluation_file(sweep)

    def stamp(table):
        metadata = dict(table.schema.metadata)
        if version is None:
            del metadata[b"lcc.schema_version"]
        else:
            metadata[b"lcc.schema_version"] = version
        return table.replace_schema_metadata(metadata)

    _rewrite(path, stamp)
    with pytest.raises(ValueError) as error:
        load(sweep)
    message = str(error.value)
    written = "none" if version is None else version.decode()
    assert len(message.splitlines()) == 1 and str(path) in message
    assert f"schema version {written}," in message
    assert f"reads version {SCHEMA_VERSION}" in message


def test_a_file_lacking_a_column_is_one_line_naming_it_and_the_column(sweep: Path) -> None:
    path = _one_evaluation_file(sweep)
    _rewrite(path, lambda table: table.drop_columns(["top5", "git_commit"]))
    assert pq.read_table(path).schema.metadata[b"lcc.schema_version"]  # still version-stamped
    with pytest.raises(ValueError) as error:
        load(sweep)
    message = str(error.value)
    assert len(message.splitlines()) == 1 and str(path) in message
    assert "lacks column(s) top5, git_commit of table 'evaluation'" in message
