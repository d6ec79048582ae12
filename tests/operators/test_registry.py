"""Registries: names, lookups, and the one-line error on an unknown name."""

import pytest

from neuroevo.errors import ConfigError
from neuroevo.operators import (CROSSOVER, MUTATION, SELECTION, get_crossover, get_mutation,
                                get_selection)


def test_registered_names():
    assert list(SELECTION) == ["roulette", "sus", "tournament", "rank", "truncation"]
    assert list(CROSSOVER) == ["layer", "node", "uniform", "none"]
    assert list(MUTATION) == ["uniform", "gaussian", "sign_flip", "reset"]


def test_lookup_by_name(selection_name, crossover_name, mutation_name):
    assert get_selection(selection_name) is SELECTION[selection_name]
    assert get_crossover(crossover_name) is CROSSOVER[crossover_name]
    assert get_mutation(mutation_name) is MUTATION[mutation_name]


@pytest.mark.parametrize("getter, message", [
    (get_selection, "unknown selection 'x'; choose from roulette, sus, tournament, rank, truncation"),
    (get_crossover, "unknown crossover 'x'; choose from layer, node, uniform, none"),
    (get_mutation, "unknown mutation 'x'; choose from uniform, gaussian, sign_flip, reset"),
])
def test_unknown_name_raises_config_error(getter, message):
    with pytest.raises(ConfigError) as info:
        getter("x")
    assert str(info.value) == message
    with pytest.raises(ConfigError, match="unknown"):
        getter(["not", "hashable"])


def test_every_operator_is_a_documented_module_function():
    for registry in (SELECTION, CROSSOVER, MUTATION):
        for name, fn in registry.items():
            assert fn.__module__.startswith("neuroevo.operators.") and fn.__doc__
            assert "Returns" in fn.__doc__ and "Raises" in fn.__doc__, name
