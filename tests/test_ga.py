import numpy as np
import pytest

from neuroevo.config import GAConfig
from neuroevo.errors import FitnessError
from neuroevo.evaluation import FunctionTask
from neuroevo.ga import GeneticAlgorithm
from neuroevo.network import NetworkSpec
from neuroevo.population import Population

SPEC = NetworkSpec((3, 4, 2), ("tanh", "linear"))


def sphere(genomes):
    """Fitness peaked at genome == 0.3 everywhere (higher is better)."""
    return -np.sum((genomes - 0.3) ** 2, axis=1)


def test_ask_tell_shapes_and_elitism():
    ga = GeneticAlgorithm(SPEC, GAConfig(population=12, elitism=3), seed=0)
    pop = ga.ask()
    assert pop.shape == (12, SPEC.n_params) and pop.dtype == np.float64
    f = sphere(pop)
    ga.tell(f)
    order = np.argsort(-f, kind="stable")
    np.testing.assert_array_equal(ga.ask()[:3], pop[order[:3]])
    assert ga.generation == 1 and ga.best_fitness == f.max()
    np.testing.assert_array_equal(ga.best_genome, pop[order[0]])


@pytest.mark.parametrize("selection", ["roulette", "sus", "tournament", "rank", "truncation"])
@pytest.mark.parametrize("crossover", ["layer", "node", "uniform", "none"])
def test_every_operator_combination_improves_a_simple_problem(selection, crossover):
    ga = GeneticAlgorithm(SPEC, GAConfig(population=40, selection=selection, crossover=crossover,
                                         mutation="gaussian", mutation_scale=0.1), seed=1)
    first = sphere(ga.ask()).max()
    for _ in range(30):
        ga.tell(sphere(ga.ask()))
    assert ga.best_fitness > first + 0.5 * abs(first)


def test_same_seed_same_run_different_seed_different_run():
    def run(seed):
        ga = GeneticAlgorithm(SPEC, GAConfig(population=10), seed=seed)
        for _ in range(5):
            ga.tell(sphere(ga.ask()))
        return ga.ask()

    np.testing.assert_array_equal(run(4), run(4))
    assert not np.array_equal(run(4), run(5))


def test_restore_continues_exactly():
    ga = GeneticAlgorithm(SPEC, GAConfig(population=10), seed=2)
    for _ in range(3):
        ga.tell(sphere(ga.ask()))
    arrays, meta = ga.state()
    twin = GeneticAlgorithm(SPEC, GAConfig(population=10), seed=2)
    twin.restore({k: v.copy() for k, v in arrays.items()}, dict(meta))
    for _ in range(3):
        ga.tell(sphere(ga.ask()))
        twin.tell(sphere(twin.ask()))
    np.testing.assert_array_equal(ga.ask(), twin.ask())
    np.testing.assert_array_equal(ga.episode_seeds(4), twin.episode_seeds(4))


def test_tell_rejects_bad_fitness():
    ga = GeneticAlgorithm(SPEC, GAConfig(population=5), seed=0)
    with pytest.raises(FitnessError, match="needs 5 fitness values"):
        ga.tell(np.zeros(4))
    with pytest.raises(FitnessError, match="genome 2 is nan"):
        ga.tell(np.array([0, 1, np.nan, 0, 0]))


def test_episode_seeds_change_per_generation_and_stay_below_the_evaluation_range():
    ga = GeneticAlgorithm(SPEC, GAConfig(population=4), seed=0)
    s0 = ga.episode_seeds(5)
    ga.tell(np.arange(4.0))
    s1 = ga.episode_seeds(5)
    assert not np.array_equal(s0, s1) and s0.max() < 2**31 and s1.max() < 2**31


def test_population_run_stops_at_target_and_reports():
    task = FunctionTask(lambda net: float(-np.sum((net.genome - 0.3) ** 2)), SPEC)
    ga = GeneticAlgorithm(SPEC, GAConfig(population=30, mutation="gaussian", mutation_scale=0.1), seed=0)
    result = Population(task, ga).run(generations=500, target=-0.5)
    assert result.solved and result.stopped_by == "target" and result.best_fitness >= -0.5
    assert result.evaluations == 30 * result.generations
