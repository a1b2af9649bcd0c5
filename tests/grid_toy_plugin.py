"""Plugin module (``plugins=[tests.grid_toy_plugin]``) that replaces every stage with the
test-only stand-ins of :mod:`tests.grid_toy_stages`, in the launcher and in each job."""

from grid.stages.registry import STAGES
from tests.grid_toy_stages import toy_stages

STAGES.update(toy_stages())
