"""Parametrise the operator tests over the registries (like evosax's tests/conftest.py).

A test that takes ``selection_name``, ``crossover_name`` or ``mutation_name`` runs once per registered
operator, so adding an operator to a registry gives it the contract tests for free.
"""

import numpy as np
import pytest

from neuroevo.network import NetworkSpec
from neuroevo.operators import CROSSOVER, MUTATION, SELECTION

_REGISTRIES = {"selection_name": SELECTION, "crossover_name": CROSSOVER, "mutation_name": MUTATION}

#: Network specs the operators are tested on: one layer, two layers, three layers with relu (He limits).
SPECS = [
    NetworkSpec((3, 2), ("linear",)),
    NetworkSpec((4, 5, 2), ("tanh", "linear")),
    NetworkSpec((2, 3, 4, 1), ("relu", "sigmoid", "tanh")),
]


def pytest_generate_tests(metafunc):
    for arg, registry in _REGISTRIES.items():
        if arg in metafunc.fixturenames:
            metafunc.parametrize(arg, sorted(registry))


@pytest.fixture(params=SPECS, ids=lambda s: "-".join(map(str, s.sizes)))
def spec(request):
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
