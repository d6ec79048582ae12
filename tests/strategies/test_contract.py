"""The contract every registered strategy meets (parametrised over the registry, like evosax's conftest)."""

import io
import json

import numpy as np
import pytest

from neuroevo.cli import main
from neuroevo.config import resolve
from neuroevo.errors import FitnessError
from neuroevo.network import NetworkSpec
from neuroevo.strategies import STRATEGIES, make_strategy

SPEC = NetworkSpec.build(3, (4,), 2)
NAMES = [n for n, cls in STRATEGIES.items() if cls.genome_type is None]  # NEAT: tests/neat/test_strategy.py


def make(name, seed=0, **settings):
    section = STRATEGIES[name].section
    config = resolve(flags={"task": {"fitness": "x:y", "network": [3, 4, 2]}, "run": {"algorithm": name, "seed": seed},
                            section: settings})
    return make_strategy(config, SPEC)


def sphere(genomes):
    """Maximised: minus the squared distance to 0.5 in every weight."""
    return -np.sum((genomes - 0.5) ** 2, axis=1)


def roundtrip(arrays, meta):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as data:
        return {k: np.array(data[k]) for k in data.files}, json.loads(json.dumps(meta))


@pytest.mark.parametrize("name", NAMES)
def test_ask_gives_finite_genomes_of_the_population_and_repeats(name):
    s = make(name)
    g = s.ask()
    assert g.shape == (s.population_size, SPEC.n_params) and g.dtype == np.float64 and np.isfinite(g).all()
    np.testing.assert_array_equal(g, s.ask())
    g[:] = 7.0  # a copy: changing it changes nothing
    assert not np.array_equal(s.ask(), g)


@pytest.mark.parametrize("name", NAMES)
def test_tell_checks_shape_and_finiteness_naming_the_genome(name):
    s = make(name)
    p = s.population_size
    with pytest.raises(FitnessError, match=f"needs {p} fitness"):
        s.tell(np.zeros(p + 1))
    f = np.zeros(p)
    f[1] = np.nan
    with pytest.raises(FitnessError, match="genome 1 is nan"):
        s.tell(f)
    assert s.generation == 0


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_search_other_seed_other_search(name):
    a, b, c = make(name, seed=4), make(name, seed=4), make(name, seed=5)
    for _ in range(3):
        ga, gb = a.ask(), b.ask()
        np.testing.assert_array_equal(ga, gb)
        a.tell(sphere(ga)), b.tell(sphere(gb)), c.tell(sphere(c.ask()))
    assert not np.array_equal(a.ask(), c.ask())


@pytest.mark.parametrize("name", NAMES)
def test_state_restore_through_npz_and_json_continues_bit_identically(name):
    a = make(name, seed=2)
    for _ in range(3):
        a.tell(sphere(a.ask()))
    arrays, meta = roundtrip(*a.state())
    assert meta["strategy"] == name and meta["generation"] == 3
    b = make(name, seed=2)
    b.restore(arrays, meta)
    for _ in range(4):
        ga, gb = a.ask(), b.ask()
        np.testing.assert_array_equal(ga, gb)
        a.tell(sphere(ga)), b.tell(sphere(gb))
    np.testing.assert_array_equal(a.best_genome, b.best_genome)
    assert a.best_fitness == b.best_fitness and a.generation == b.generation == 7


@pytest.mark.parametrize("name", NAMES)
def test_restore_refuses_another_strategys_state(name):
    arrays, meta = make(name).state()
    with pytest.raises(ValueError, match="strategy"):
        make(name).restore(arrays, dict(meta, strategy="not-" + name))


@pytest.mark.parametrize("name", NAMES)
def test_best_ever_is_the_best_told_genome_and_search_improves(name):
    s = make(name, seed=1)
    first = None
    for _ in range(40):
        g = s.ask()
        f = sphere(g)
        first = f.max() if first is None else first
        before = s.best_fitness
        s.tell(f)
        assert s.best_fitness == max(before, f.max())
        if f.max() > before:
            np.testing.assert_array_equal(s.best_genome, g[np.argmax(f)])
    assert s.best_fitness > first


def test_unknown_algorithm_is_one_line_exit_2(capsys):
    assert main(["evolve", "--algorithm", "nope", "--generations", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown --algorithm 'nope'; choose from ga" in err
