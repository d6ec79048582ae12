"""Search strategies behind one ask/tell seam (:class:`Strategy`), chosen by name (``--algorithm``)."""

from neuroevo.strategies.base import GenomeBatch, Strategy, generation_rng
from neuroevo.strategies.ga import GAConfig, GeneticAlgorithm
from neuroevo.strategies.registry import STRATEGIES, get_strategy, make_strategy

__all__ = ["GAConfig", "GeneticAlgorithm", "GenomeBatch", "STRATEGIES", "Strategy", "generation_rng",
           "get_strategy", "make_strategy"]
