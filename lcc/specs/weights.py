"""The loss-weighting rules of a joined training set (thesis §6.3) by name, checked
torch-free at plan time (the weights themselves: :mod:`lcc.train.weights`)."""

from __future__ import annotations

WEIGHTING_RULES = ("none", "rank", "psnr")


def check_rule(rule: object) -> str:
    """``rule`` itself if it is a weighting rule; a one-line ValueError listing them otherwise."""
    if rule not in WEIGHTING_RULES:
        valid = ", ".join(WEIGHTING_RULES)
        raise ValueError(f"unknown weighting rule {rule!r}; valid rules: {valid}")
    return str(rule)
