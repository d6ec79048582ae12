"""Evolve a network that computes XOR: a user fitness function, from the CLI or from Python.

    neuroevo evolve --fitness examples/xor.py:fitness --network 2,4,1 --target 3.9 --generations 300

Fitness = 4 - sum of squared errors over the four cases (higher is better, 4 is perfect). At 3.9 every
output is within 0.32 of its target, so thresholding at 0.5 gives 100 % accuracy.
"""

import numpy as np

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
TARGETS = np.array([0, 1, 1, 0], dtype=np.float64)


def fitness(network) -> float:
    """4 - SSE of the network's (4, 1) outputs on the XOR truth table."""
    y = network(INPUTS)[:, 0]
    return 4.0 - float(np.sum((y - TARGETS) ** 2))


def accuracy(network) -> float:
    """Fraction of the four cases right when the output is thresholded at 0.5."""
    return float(np.mean((network(INPUTS)[:, 0] > 0.5) == (TARGETS > 0.5)))


if __name__ == "__main__":
    import neuroevo

    spec = neuroevo.NetworkSpec((2, 4, 1), ("tanh", "linear"))
    ga = neuroevo.GeneticAlgorithm(spec, neuroevo.GAConfig(population=150), seed=0)
    result = neuroevo.Population(neuroevo.FunctionTask(fitness, spec), ga).run(generations=300, target=3.9)
    print(f"generations {result.generations}, fitness {result.best_fitness:.4f}, "
          f"accuracy {accuracy(result.network):.0%}")
