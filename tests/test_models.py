"""Classifier registry: parameter counts (docs/FACTS.md §3), shapes, size rules, thesis table."""

from __future__ import annotations

import pytest
import torch

from lcc.models import MODELS, build, get_spec, param_count, thesis_param_table

pytestmark = pytest.mark.usefixtures("one_torch_thread")


CIFAR_COUNTS = {
    "vgg11": 9_231_114,
    "vgg11-1": 1_555_466,
    "vgg11-2": 669_962,
    "vgg11-3": 299_274,
    "vgg11-4": 113_610,
    "vgg11-5": 48_426,
    "resnet18": 11_173_962,
    "res18-1": 4_903_242,
    "res18-2": 1_235_274,
    "res18-3": 326_474,
    "res18-4": 116_810,
}


def test_registry_holds_exactly_the_eleven_thesis_models():
    assert set(MODELS) == set(CIFAR_COUNTS)


@pytest.mark.parametrize("name", sorted(CIFAR_COUNTS))
def test_cifar_parameter_count(name):
    model = build(name, num_classes=10, image_size=32)
    assert param_count(model) == CIFAR_COUNTS[name]


@pytest.mark.parametrize(("name", "count"), [("vgg11", 11_689_416), ("resnet18", 11_578_632)])
def test_tiny_imagenet_parameter_count_and_output(name, count):
    model = build(name, num_classes=200, image_size=64).eval()
    assert param_count(model) == count
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 200)


@pytest.mark.parametrize("name", ["vgg11-5", "res18-4", "res18-2"])
def test_variant_forward_and_backward(name):
    model = build(name, num_classes=10, image_size=32)
    out = model(torch.randn(4, 3, 32, 32))
    assert out.shape == (4, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_res18_variant_at_64_keeps_the_four_by_four_pool_rule():
    # res18-4: 64 channels at 64x64, pooled to 16x16 -> head input 64 * 256.
    model = build("res18-4", num_classes=200, image_size=64)
    assert model.classifier.in_features == 64 * 16 * 16


def test_unknown_architecture_lists_valid_names():
    with pytest.raises(KeyError, match=r"'vgg16'.*vgg11, .*res18-4"):
        build("vgg16", num_classes=10, image_size=32)


@pytest.mark.parametrize(("name", "size"), [("vgg11-2", 64), ("vgg11", 48), ("resnet18", 40)])
def test_image_size_the_network_cannot_take(name, size):
    with pytest.raises(ValueError, match=rf"{name}.*got {size}"):
        build(name, num_classes=10, image_size=size)


@pytest.mark.parametrize(("classes", "size"), [(10, 32), (200, 64)])
def test_declared_parameter_counts_equal_the_built_networks(classes, size):
    # lcc.specs.models counts from the layout without torch (what analysis reads).
    for name, spec in MODELS.items():
        try:
            spec.check_image_size(size)
        except ValueError:
            continue
        assert spec.param_count(classes, size) == param_count(build(name, classes, size)), name


def test_thesis_table_states_the_two_discrepancies():
    rows = {row.model: row for row in thesis_param_table()}
    assert list(rows) == list(MODELS)
    differing = {name for name, row in rows.items() if row.count != row.thesis_count}
    assert differing == {"vgg11-3", "res18-3"}
    assert rows["vgg11-3"].thesis_count == 300_554 and rows["vgg11-3"].count == 299_274
    assert rows["res18-3"].thesis_count - rows["res18-3"].count == -100
    assert all(rows[name].note for name in differing)
    assert not any(row.note for name, row in rows.items() if name not in differing)
    assert rows["vgg11-4"].architecture == "[32, 32, 32, 64, 128]"


@pytest.mark.parametrize(("name", "size"), [("vgg11", 32), ("vgg11-4", 32), ("res18-2", 32),
                                            ("resnet18", 64)])  # fmt: skip
def test_the_declared_feature_width_is_what_embed_returns(name, size):
    model = build(name, 10, size).eval()
    with torch.no_grad():
        features = model.embed(torch.zeros(2, 3, size, size))
    assert features.shape == (2, get_spec(name).feature_width(size))
