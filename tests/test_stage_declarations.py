"""A stage's declaration (grid/stages/registry.py: version, tables, resource class, partial
inputs, disk estimate) is the one source of truth for what its jobs ask for and write: the
launcher and its dry run read it without the stage's function, and the function registered
where jobs run agrees with it."""

from __future__ import annotations

import pytest

import grid.stages.builtin  # noqa: F401  (registers grid's own stage functions)
from grid.plugins import import_plugins
from grid.stages import registry
from grid.stages.registry import DECLARED, STAGE_ORDER, STAGE_VERSIONS, STAGES, Declaration
from lcc.codecs.architectures import NETWORKS, param_count
from lcc.specs.codecs import learned_names, learned_params


def test_every_registered_stage_is_its_declaration_with_a_function() -> None:
    import_plugins([])  # select and report, from analysis
    assert set(STAGE_ORDER) <= set(DECLARED)
    for name in STAGE_ORDER:
        stage, declared = STAGES[name], DECLARED[name]
        fields = ("tables", "resources", "partial_inputs", "version", "disk")
        assert [getattr(stage, f) for f in fields] == [getattr(declared, f) for f in fields]
    assert DECLARED["report"].partial_inputs and DECLARED["train"].resource_class({}) == "gpu"


def test_a_stage_function_saying_otherwise_than_its_declaration_is_refused() -> None:
    with pytest.raises(ValueError, match="'train' says resources='cpu' but its declaration"):
        registry.stage("train", resources="cpu")


@pytest.mark.parametrize("version", [1, 2])
def test_a_built_in_stage_s_version_is_written_in_the_stage_table_only(version: int) -> None:
    # Even the table's own number is refused: a bump is one edit, grid/stage_table.py's.
    assert STAGE_VERSIONS["train"] == 2
    with pytest.raises(ValueError, match=f"'train' says version={version} but its version is "):
        registry.stage("train", version=version)
    with pytest.raises(ValueError, match=f"'train' says version={version} but its version is "):
        registry.declare("train", version=version, resources="gpu")


def test_every_built_in_declaration_takes_its_version_from_the_stage_table() -> None:
    import_plugins([])  # select and report, from analysis
    assert set(STAGE_ORDER) == registry.BUILT_IN
    for name in STAGE_ORDER:
        assert DECLARED[name].version == STAGES[name].version == STAGE_VERSIONS[name]


def test_a_bump_in_the_stage_table_alone_reaches_the_declaration(monkeypatch) -> None:
    monkeypatch.setattr(registry, "DECLARED", {})
    monkeypatch.setitem(STAGE_VERSIONS, "encode", 7)
    assert registry.declare("encode", resources="gpu").version == 7


def test_a_plugin_stage_is_declared_by_its_decorator_and_only_once(monkeypatch) -> None:
    for name in ("STAGE_VERSIONS", "STAGE_TABLES"):  # copies, so the plugin leaves no trace
        monkeypatch.setattr(registry, name, dict(getattr(registry, name)))
    monkeypatch.setattr(registry, "DECLARED", dict(DECLARED))
    monkeypatch.setattr(registry, "STAGES", dict(STAGES))
    with pytest.raises(ValueError, match="'toy-extra' has no version; a plugin stage gives "):
        registry.stage("toy-extra", tables=(), resources="gpu")
    assert "toy-extra" not in registry.STAGE_VERSIONS  # a refused stage enters nothing
    registry.stage("toy-extra", version=3, tables=(), resources="gpu")(lambda ctx: {})
    assert registry.declaration("toy-extra") == registry.STAGES["toy-extra"]
    assert registry.DECLARED["toy-extra"] == Declaration("toy-extra", (), "gpu", False, 3)
    assert registry.STAGE_VERSIONS["toy-extra"] == 3
    with pytest.raises(ValueError, match="'toy-extra' declared twice, differently"):
        registry.declare("toy-extra", version=3, tables=(), resources="cpu")
    assert registry.declaration("no-such-stage") is None
    with pytest.raises(KeyError, match="'no-such-stage' is not declared; declared stages: "):
        registry.get_declared("no-such-stage")


@pytest.mark.parametrize("codec", learned_names())
def test_the_declared_parameter_count_of_a_learned_codec_is_its_network_s(codec: str) -> None:
    # The fit-codec disk estimate reads the table without torch (grid/stages/declared.py).
    assert learned_params(codec) == param_count(codec)


def test_a_codec_without_a_network_has_no_parameter_count() -> None:
    assert set(learned_names()) == set(NETWORKS)
    with pytest.raises(KeyError, match="'jpeg' has no network; learned codecs: bls, "):
        learned_params("jpeg")
