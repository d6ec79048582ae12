"""OpenAI-ES (``--algorithm openai-es``): T. Salimans, J. Ho, X. Chen, S. Sidor & I. Sutskever, "Evolution
Strategies as a Scalable Alternative to Reinforcement Learning" (arXiv:1703.03864, 2017).

Each generation samples P/2 noise vectors eps_k ~ N(0, I) and evaluates the mirrored (antithetic) pairs
theta + sigma eps_k and theta - sigma eps_k. Fitness is shaped by centred ranks (ranks scaled to
[-0.5, 0.5]); the gradient estimate g = sum_k (u_k+ - u_k-) eps_k / P (scaled as in the paper's code) moves
the mean theta by Adam
(Kingma & Ba 2015) on ``g - weight_decay * theta`` (the L2 coefficient of the paper's code). Fitness is
maximised. Weight decay and Adam's betas are those of OpenAI's ``evolution-strategies-starter`` (l2coeff
0.005, beta1 0.9, beta2 0.999); the population, sigma and step size are tuned for the small control
networks neuroevo evolves on one machine (the paper's 0.02 / 0.01 with populations of thousands are for
MuJoCo networks on hundreds of cores): 20 samples (10 mirrored pairs) per generation, sigma 0.2 (the mean
starts from the networks' usual initial weights, of order 1, for which 0.02 barely changes the actions) and
step size 0.1. Measured (``benchmarks/strategies_control.py``, hidden 8): with the starter's population
100, sigma 0.1 and step size 0.01 it reached neither Pendulum-v1's -200 nor Acrobot-v1's -100 within 2-3 M
env steps; with 20 / 0.2 / 0.1 it reached both (the README's strategy table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.settings import finite_positive, in_range, setting
from neuroevo.strategies.base import ASK, Strategy, generation_rng


@dataclass
class OpenAIESConfig:
    """OpenAI-ES: mirrored sampling, centred ranks, Adam on the mean, weight decay."""

    population: int = setting(20, "samples per generation (even: mirrored pairs theta +- sigma eps)")
    sigma: float = setting(0.2, "standard deviation of the parameter noise")
    learning_rate: float = setting(0.1, "Adam step size on the mean")
    weight_decay: float = setting(0.005, "L2 coefficient pulling the mean towards 0")
    beta1: float = setting(0.9, "Adam first-moment decay")
    beta2: float = setting(0.999, "Adam second-moment decay")

    def validate(self) -> None:
        if self.population < 2 or self.population % 2:
            raise ConfigError(f"--population must be an even number >= 2 for openai-es (mirrored pairs), got "
                              f"{self.population}")
        finite_positive(self, "sigma")
        finite_positive(self, "learning_rate")
        finite_positive(self, "weight_decay", allow_zero=True)
        in_range(self, "beta1", 0, 1)
        in_range(self, "beta2", 0, 1)
        if self.beta1 >= 1 or self.beta2 >= 1:
            raise ConfigError(f"--beta1 and --beta2 must be below 1, got {self.beta1} and {self.beta2}")


def centred_ranks(f: np.ndarray) -> np.ndarray:
    """(P,) ranks of ``f`` (0 = lowest, ties broken by index) scaled to [-0.5, 0.5] (Salimans et al. 2017)."""
    ranks = np.empty(len(f))
    ranks[np.argsort(f, kind="stable")] = np.arange(len(f))
    return ranks / (len(f) - 1) - 0.5


class OpenAIES(Strategy):
    """OpenAI-ES over flat genomes (fitness maximised).

    Attributes:
        mean: (n,) theta. m, v: Adam's moment estimates. steps: Adam steps taken.

    Raises:
        ConfigError: an odd or too small population, sigma or learning rate <= 0, betas outside [0, 1).
    """

    name, section = "openai-es", "openai-es"
    Config = OpenAIESConfig

    def _setup(self, rng):
        n = self.spec.n_params
        self.mean = self.spec.init_genomes(rng, 1)[0]
        self.best_genome = self.mean.copy()
        self.m, self.v, self.steps = np.zeros(n), np.zeros(n), 0

    def _noise(self) -> np.ndarray:
        """(P/2, n) noise of the current generation (the ASK stream, so tell need not keep it)."""
        rng = generation_rng(self.seed, self.generation, ASK)
        return rng.standard_normal((self.config.population // 2, self.spec.n_params))

    def _ask(self, rng):
        eps = self._noise()
        s = self.config.sigma
        return np.concatenate([self.mean + s * eps, self.mean - s * eps])

    def _tell(self, genomes, f, rng):
        c = self.config
        eps, half = self._noise(), c.population // 2
        u = centred_ranks(f)
        grad = (u[:half] - u[half:]) @ eps / c.population
        grad = grad - c.weight_decay * self.mean
        self.steps += 1
        self.m = c.beta1 * self.m + (1 - c.beta1) * grad
        self.v = c.beta2 * self.v + (1 - c.beta2) * grad * grad
        a = c.learning_rate * math.sqrt(1 - c.beta2 ** self.steps) / (1 - c.beta1 ** self.steps)
        self.mean = self.mean + a * self.m / (np.sqrt(self.v) + 1e-8)  # ascent: fitness is maximised

    def _state(self):
        return {"mean": self.mean, "adam_m": self.m, "adam_v": self.v}, {"steps": self.steps}

    def _restore(self, arrays, state):
        n = self.spec.n_params
        self.mean = self._array(arrays, "mean", (n,))
        self.m, self.v = self._array(arrays, "adam_m", (n,)), self._array(arrays, "adam_v", (n,))
        self.steps = int(state["steps"])
