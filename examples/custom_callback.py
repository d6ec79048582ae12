"""A custom callback: stop when the best fitness has not improved for `patience` generations, and keep
the best genome of every generation in memory. Callbacks get a typed record, never the loop's locals.

    python examples/custom_callback.py
"""

import numpy as np

import neuroevo


class EarlyStopping(neuroevo.Callback):
    """Stop the run after `patience` generations without a new best-ever fitness."""

    def __init__(self, patience: int = 10):
        self.patience, self.best, self.waited, self.champions = patience, -np.inf, 0, []

    def on_generation_end(self, record: neuroevo.GenerationRecord):
        self.champions.append(record.genomes[np.argmax(record.fitness)].copy())
        if record.best_ever > self.best:
            self.best, self.waited = record.best_ever, 0
        else:
            self.waited += 1
        print(f"generation {record.generation:3d}  best {record.best:7.2f}  mean {record.mean:7.2f}")
        return self.waited < self.patience  # False stops the run

    def on_run_end(self, result):
        print(f"stopped by {result.stopped_by} after {result.generations} generations; "
              f"best fitness {result.best_fitness:.1f}; {len(self.champions)} champions kept")


if __name__ == "__main__":
    config = neuroevo.resolve(flags={"task": {"env": "CartPole-v1", "episodes": 3},
                                     "ga": {"population": 50}, "run": {"generations": 40}})
    task = neuroevo.make_task(config)
    ga = neuroevo.GeneticAlgorithm(task.spec, config.ga, seed=1)
    stopper = EarlyStopping(patience=5)
    with neuroevo.make_evaluator(task, workers=1) as evaluator:
        neuroevo.Population(task, ga, evaluator, [stopper], episodes=3).run(generations=40)
