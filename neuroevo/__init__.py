"""neuroevo: evolve neural-network agents by neuroevolution (GA, CoSyNE, CMA-ES, OpenAI-ES, NEAT).

Fitness is always maximised. Genomes are flat float64 weight vectors of a :class:`NetworkSpec`.
"""

# Numba's kernel cache, refreshed if a kernel's sources changed (Numba checks only each kernel's own file)
from neuroevo.kernel_cache import refresh_package as _refresh_kernel_cache

_refresh_kernel_cache()

# Networks
from neuroevo.network import ACTIVATIONS, Network, NetworkSpec, forward

# Search strategies and population manager
from neuroevo.config import Config, GAConfig, NetworkConfig, RunConfig, TaskConfig, resolve
from neuroevo.strategies import STRATEGIES, GeneticAlgorithm, Strategy, get_strategy, make_strategy
from neuroevo.population import Population, RunResult

# Evaluation
from neuroevo.evaluation import (EnvTask, FunctionTask, KernelTask, ProcessPoolEvaluator, SerialEvaluator, Task,
                                 batch_fitness, make_evaluator, make_task)

# Callbacks, agents, checkpoints
from neuroevo.agent import Agent, load, load_agent
from neuroevo.callbacks import Callback, GenerationRecord
from neuroevo.checkpoint import load_checkpoint, save_checkpoint
from neuroevo.errors import CheckpointError, ConfigError, FitnessError, NeuroevoError, TaskError

__all__ = [
    # networks
    "ACTIVATIONS", "Network", "NetworkSpec", "forward",
    # strategies and population
    "Config", "GAConfig", "NetworkConfig", "RunConfig", "TaskConfig", "resolve", "GeneticAlgorithm",
    "STRATEGIES", "Strategy", "get_strategy", "make_strategy", "Population", "RunResult",
    # evaluation
    "EnvTask", "FunctionTask", "KernelTask", "ProcessPoolEvaluator", "SerialEvaluator", "Task",
    "batch_fitness", "make_evaluator", "make_task",
    # callbacks, agents, checkpoints, errors
    "Agent", "load", "load_agent", "Callback", "GenerationRecord", "load_checkpoint", "save_checkpoint",
    "CheckpointError", "ConfigError", "FitnessError", "NeuroevoError", "TaskError",
]
__version__ = "0.1.0"
