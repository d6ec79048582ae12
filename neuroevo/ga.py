"""The genetic algorithm; kept here for ``from neuroevo.ga import GeneticAlgorithm``.

The implementation is :mod:`neuroevo.strategies.ga`, one of the strategies of :mod:`neuroevo.strategies`.
"""

from neuroevo.strategies.base import TRAIN_SEED_BOUND, generation_rng
from neuroevo.strategies.ga import GAConfig, GeneticAlgorithm

__all__ = ["GAConfig", "GeneticAlgorithm", "TRAIN_SEED_BOUND", "generation_rng"]
