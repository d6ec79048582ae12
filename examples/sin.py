"""Evolve a network approximating sin(x) on [-pi, pi]: a batch fitness scoring a whole chunk at once.

    neuroevo evolve --fitness examples/sin.py:fitness --network 1,16,1 --target -0.01 \
        --population 200 --mutation gaussian --mutation-scale 0.1 --generations 500

Fitness = -(mean squared error) over 64 points (higher is better, 0 is perfect); the target -0.01 means an
MSE below 0.01.
"""

import numpy as np

import neuroevo

X = np.linspace(-np.pi, np.pi, 64)[:, None]
Y = np.sin(X[:, 0])
SPEC = neuroevo.NetworkSpec((1, 16, 1), ("tanh", "linear"))


@neuroevo.batch_fitness
def fitness(genomes, seeds):
    """(n,) fitness of (n, n_params) genomes: every network on the 64 points in one call per genome."""
    spec = SPEC if genomes.shape[1] == SPEC.n_params else None
    if spec is None:
        raise ValueError(f"examples/sin.py:fitness expects the 1,16,1 network ({SPEC.n_params} weights)")
    return np.array([-np.mean((neuroevo.forward(spec, g, X)[:, 0] - Y) ** 2) for g in genomes])


if __name__ == "__main__":
    config = neuroevo.GAConfig(population=200, mutation="gaussian", mutation_scale=0.1)
    ga = neuroevo.GeneticAlgorithm(SPEC, config, seed=0)
    result = neuroevo.Population(neuroevo.FunctionTask(fitness, SPEC), ga).run(generations=500, target=-0.01)
    print(f"generations {result.generations}, MSE {-result.best_fitness:.5f}")
