"""Evaluate on a Ray cluster: the same run, the same result, as with the local process pool.

    python examples/ray_cluster.py                  # starts a local Ray cluster for the run
    python examples/ray_cluster.py auto             # joins the cluster of `ray start --head` (docs/cluster.md)

Needs the `ray` extra: pip install -e ".[ray]".
"""

import sys

import numpy as np

import neuroevo

if __name__ == "__main__":
    address = sys.argv[1] if len(sys.argv) > 1 else ""
    config = neuroevo.resolve(flags={"task": {"env": "Acrobot-v1", "episodes": 2}, "ga": {"population": 40}})
    task = neuroevo.make_task(config)  # a Gymnasium env loop: heavy enough to be worth distributing
    best = {}
    for backend in ("process", "ray"):
        ga = neuroevo.GeneticAlgorithm(task.spec, config.ga, seed=0)
        with neuroevo.make_evaluator(task, workers=2, backend=backend,
                                     address=address if backend == "ray" else "") as evaluator:
            result = neuroevo.Population(task, ga, evaluator, episodes=2).run(generations=5)
        best[backend] = result.best_genome
        print(f"{backend:8s} best fitness {result.best_fitness:.1f} after {result.generations} generations")
    print("identical results:", np.array_equal(best["process"], best["ray"]))
