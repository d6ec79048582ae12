"""RunResult.network of a NEAT run (found by mypy: it built a layered Network from a GenomeBatch)."""

import numpy as np

from tests.neat.test_strategy import _strategy


def test_run_result_network_of_a_neat_run_is_the_best_genomes_network():
    from neuroevo.population import Population

    strategy, task = _strategy(seed=3)
    result = Population(task, strategy).run(2)
    x = np.array([[0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(result.network(x), result.best_genome.network(0)(x))
    assert result.network(x).shape == (2, 1)
