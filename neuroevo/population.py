"""The population manager: the run loop ask -> evaluate -> tell -> callbacks, and nothing else.

High-level API in the spirit of neat-python's ``Population.run``::

    task = neuroevo.make_task(config)                # or EnvTask / KernelTask / FunctionTask
    strategy = neuroevo.make_strategy(config, task.spec)   # or GeneticAlgorithm(task.spec, GAConfig(), seed=0)
    with neuroevo.make_evaluator(task, workers=2) as evaluator:
        result = Population(task, strategy, evaluator, callbacks=[...], episodes=5).run(generations=50, target=500)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neuroevo.callbacks import Callback, GenerationRecord
from neuroevo.errors import FitnessError, GenomeFitnessError
from neuroevo.evaluation.serial import SerialEvaluator
from neuroevo.evaluation.tasks import Task
from neuroevo.network import Network, NetworkSpec
from neuroevo.strategies.base import GenomeBatch, NetworkFacade, Strategy

if TYPE_CHECKING:
    from neuroevo.evaluation.base import Evaluator
    from neuroevo.lifecycle import GuardedEvaluator

log = logging.getLogger("neuroevo")


def finite_stats(fitness: np.ndarray) -> tuple[float, float]:
    """``(mean, std)`` of a (P,) float64 fitness array, finite for every finite input (up to +-1.8e308).

    NumPy's mean and std overflow for huge values (the sum, or the squared deviations, pass 1.8e308); then
    both are computed on ``fitness / max |fitness|`` and scaled back (the same values, up to rounding).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = float(fitness.mean()), float(fitness.std())
        if np.isfinite(mean) and np.isfinite(std):
            return mean, std
        scale = float(np.abs(fitness).max())
        scaled = fitness / scale
        return float(scaled.mean()) * scale, float(scaled.std()) * scale


@dataclass
class RunResult:
    """The outcome of :meth:`Population.run`.

    Attributes:
        spec: the network spec.
        best_genome: (n_params,) float64 best genome ever evaluated (a GenomeBatch of one for NEAT);
            ``best_fitness`` its fitness.
        generations: generations completed; ``evaluations`` genomes evaluated; ``env_steps`` env steps.
        elapsed: wall seconds (including earlier sessions of a resumed run).
        solved: True if a generation reached the target fitness.
        stopped_by: "target", "generations" or "callback".
    """

    spec: NetworkSpec
    best_genome: np.ndarray | GenomeBatch
    best_fitness: float
    generations: int
    evaluations: int
    env_steps: int
    elapsed: float
    solved: bool
    stopped_by: str

    @property
    def network(self) -> Network | NetworkFacade:
        """The best genome's network (its own facade for a GenomeBatch genome such as NEAT's)."""
        if not isinstance(self.best_genome, np.ndarray):  # a GenomeBatch of one
            return self.best_genome.network(0)
        return Network(self.spec, self.best_genome)


class Population:
    """Runs a search :class:`~neuroevo.strategies.base.Strategy` (GA, CoSyNE, CMA-ES, OpenAI-ES...) on a task.

    Args:
        task: what is scored (its ``spec`` must equal the strategy's).
        strategy: the strategy (fresh, or restored from a checkpoint).
        evaluator: a context-managed evaluator already entered (default: serial).
        callbacks: :class:`~neuroevo.callbacks.Callback` objects, called in order.
        episodes: episodes per genome per generation.
        counters: ``(evaluations, env_steps, elapsed)`` carried over from a checkpoint.
        nan_fitness: what a NaN or infinite fitness does: ``"error"`` raises GenomeFitnessError naming the
            genome; ``"worst"`` replaces it by a value just below the generation's lowest finite fitness
            (``numpy.nextafter(min, -inf)``), so every selection ranks it last, and logs a warning.
    """

    def __init__(self, task: Task, strategy: Strategy, evaluator: Evaluator | GuardedEvaluator | None = None,
                 callbacks: Iterable[Callback] = (), episodes: int = 1,
                 counters: tuple[int, int, float] = (0, 0, 0.0), nan_fitness: str = "error"):
        if nan_fitness not in ("error", "worst"):
            raise ValueError(f"nan_fitness must be 'error' or 'worst', got {nan_fitness!r}")
        self.nan_fitness = nan_fitness
        if task.spec != strategy.spec:
            raise ValueError(f"task spec {task.spec} differs from the strategy's {strategy.spec}")
        self.task, self.strategy = task, strategy
        self.evaluator = evaluator if evaluator is not None else SerialEvaluator(task)
        self.callbacks: list[Callback] = list(callbacks)
        self.episodes = int(episodes)
        self.evaluations, self.env_steps, self.elapsed = int(counters[0]), int(counters[1]), float(counters[2])

    @property
    def ga(self) -> Strategy:
        """The strategy (the name of the attribute before strategies other than the GA existed)."""
        return self.strategy

    def run(self, generations: int, target: float | None = None) -> RunResult:
        """Evolve until ``generations`` generations are done in all, ``target`` is reached, or a callback stops.

        Raises:
            FitnessError: if a fitness is not finite or the fitness function fails (naming the genome).
        """
        target = None if target is None or math.isnan(target) else float(target)
        for cb in self.callbacks:
            cb.on_run_start(self)
        stopped_by, solved = "generations", False
        start = time.perf_counter() - self.elapsed
        while self.strategy.generation < generations:
            record = self.step(start)
            stops = [cb.on_generation_end(record) is False for cb in self.callbacks]
            if target is not None and record.best >= target:
                stopped_by, solved = "target", True
                break
            if any(stops):
                stopped_by = "callback"
                break
        s = self.strategy
        result = RunResult(s.spec, s.best_genome.copy(), s.best_fitness, s.generation, self.evaluations, self.env_steps, self.elapsed, solved, stopped_by)
        for cb in self.callbacks:
            cb.on_run_end(result)
        return result

    def _check_finite(self, fitness: np.ndarray, generation: int) -> np.ndarray:
        """``fitness`` with the NaN policy applied (see the class docstring)."""
        bad = np.flatnonzero(~np.isfinite(fitness))
        if not bad.size:
            return fitness
        if self.nan_fitness == "error":
            raise GenomeFitnessError(int(bad[0]), f"the fitness is {fitness[bad[0]]} in generation "
                                     f"{generation} (it must be a finite number; --nan-fitness worst "
                                     f"ranks such genomes last)")
        finite = fitness[np.isfinite(fitness)]
        if not finite.size:
            raise FitnessError(f"every fitness of generation {generation} is NaN or infinite")
        log.warning("generation %d: %d genome(s) with a NaN or infinite fitness ranked worst (first: genome %d)",
                    generation, bad.size, bad[0])
        fitness = fitness.copy()
        with np.errstate(over="ignore"):
            lowest = np.nextafter(finite.min(), -np.inf)
        fitness[bad] = lowest if np.isfinite(lowest) else finite.min()  # -max float: tied with the worst
        return fitness

    def step(self, start: float) -> GenerationRecord:
        """Evaluate one generation and tell the strategy; returns its record."""
        generation = self.strategy.generation + 1  # numbered from 1, like the console
        genomes = self.strategy.ask()
        fitness, steps = self.evaluator.evaluate(genomes, self.strategy.episode_seeds(self.episodes), generation)
        if fitness.shape != (len(genomes),):
            raise FitnessError(f"the evaluator returned {fitness.shape} fitness values for {len(genomes)} genomes")
        fitness = self._check_finite(fitness, generation)
        self.strategy.tell(fitness)
        self.evaluations += len(genomes)
        self.env_steps += steps
        self.elapsed = time.perf_counter() - start
        mean, std = finite_stats(fitness)
        return GenerationRecord(generation, float(fitness.max()), mean, std,
                                float(fitness.min()), self.evaluations, self.env_steps, self.elapsed,
                                self.strategy.best_fitness, genomes, fitness)
