"""NEAT (Stanley & Miikkulainen 2002): topologies and weights evolved together, compiled to arrays for the
Numba kernels; reads neat-python config files unchanged."""

from neuroevo.strategies.neat.compile import NEATNetwork, NEATProgram, compile_genomes, population_outputs
from neuroevo.strategies.neat.config import NEATConfig, paper_config, read_ini
from neuroevo.strategies.neat.genome import Genome
from neuroevo.strategies.neat.neat import NEAT, ExtinctionError

__all__ = ["NEAT", "NEATConfig", "NEATNetwork", "NEATProgram", "Genome", "ExtinctionError", "compile_genomes",
           "population_outputs", "paper_config", "read_ini"]
