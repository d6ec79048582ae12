"""CMA-ES (``--algorithm cmaes``) and sep-CMA-ES (``--algorithm sep-cmaes``): our own NumPy implementation.

(mu/mu_w, lambda)-CMA-ES as in N. Hansen, "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772, 2016),
with the defaults of Hansen's reference code for the tutorial, ``purecma`` (``cma.purecma`` in the ``cma``
package, our test reference: fed the same samples, mean, sigma and C agree to 1e-10):

- lambda = 4 + floor(3 ln n), mu = floor(lambda / 2), w_i proportional to ln(lambda/2 + 1/2) - ln i (i <= mu),
  mu_eff = 1 / sum(w_i^2);
- c_c = (4 + mu_eff/n) / (n + 4 + 2 mu_eff/n), c_s = (mu_eff + 2) / (n + mu_eff + 5),
  c_1 = 2 / ((n + 1.3)^2 + mu_eff), c_mu = min(1 - c_1, 2 (mu_eff - 2 + 1/mu_eff) / ((n + 2)^2 + mu_eff));
- step size: sigma *= exp(min(1, (c_s / d_s) (|p_s|^2 / n - 1) / 2)) with d_s = 2 mu_eff/lambda + 0.3 + c_s
  (purecma's squared-norm form of the tutorial's eq. 44, and its damping);
- h_sig: |p_s|^2 / n / (1 - (1 - c_s)^(2 g)) < 2 + 4 / (n + 1); the variance-loss correction of c_1 when h_sig = 0;
- the eigendecomposition C = B D^2 B^T is refreshed only after 0.5 lambda / (c_1 + c_mu) / n evaluations
  (the tutorial's "lazy" update, O(n^2) per sample).

Fitness is maximised (CMA-ES minimises -fitness). The covariance is n x n float64: 8 n^2 bytes (800 MB at
10,000 weights); for networks of thousands of weights use **sep-CMA-ES** (R. Ros & N. Hansen, "A Simple
Modification in CMA-ES Achieving Linear Time and Space Complexity", PPSN 2008): diagonal C, c_1 and c_mu
multiplied by (n + 2) / 3, O(n) per sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neuroevo.errors import ConfigError
from neuroevo.settings import finite_positive, setting
from neuroevo.strategies.base import Strategy

#: Full CMA-ES is refused above this many weights (its n x n covariance and O(n^3) eigendecomposition).
MAX_FULL_WEIGHTS = 5000


@dataclass
class CMAESConfig:
    """CMA-ES and sep-CMA-ES: initial step size and population (learning rates: Hansen's defaults)."""

    population: int = setting(0, "samples per generation, lambda (0: Hansen's default 4 + 3 ln n)")
    sigma: float = setting(0.5, "initial step size (standard deviation of every weight)")

    def validate(self) -> None:
        if self.population != 0 and self.population < 4:
            raise ConfigError(f"--population must be 0 (auto) or at least 4 for CMA-ES, got {self.population}")
        finite_positive(self, "sigma")


class CMAParameters:
    """The static parameters of (mu/mu_w, lambda)-CMA-ES for dimension ``n`` (see the module docstring).

    Args:
        n: number of weights. lam: population (0: 4 + floor(3 ln n)). separable: sep-CMA-ES learning rates.
    """

    def __init__(self, n: int, lam: int = 0, separable: bool = False):
        self.n = n
        self.lam = lam or 4 + int(3 * math.log(n))
        self.mu = self.lam // 2
        w = np.log(self.lam / 2 + 0.5) - np.log(np.arange(1, self.mu + 1))
        self.weights = w / w.sum()
        self.mueff = 1.0 / float(np.sum(self.weights ** 2))
        mueff = self.mueff
        self.cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
        self.cs = (mueff + 2) / (n + mueff + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + mueff)
        self.cmu = min(1 - self.c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        if separable:  # Ros & Hansen 2008: c_cov^sep = (n + 2) / 3 * c_cov
            self.c1 = min(1.0, self.c1 * (n + 2) / 3)
            self.cmu = min(1 - self.c1, self.cmu * (n + 2) / 3)
        self.damps = 2 * mueff / self.lam + 0.3 + self.cs
        self.lazy_gap_evals = 0.5 * n * self.lam / (self.c1 + self.cmu) / n ** 2


class CMAES(Strategy):
    """(mu/mu_w, lambda)-CMA-ES over flat genomes (fitness maximised).

    Args:
        spec: the network spec. config: :class:`CMAESConfig`. seed: run seed.

    Attributes:
        mean: (n,) distribution mean. sigma: step size. C: (n, n) covariance. ps, pc: evolution paths.
        counteval: samples told so far.

    Raises:
        ConfigError: population < 4, sigma <= 0, or more than :data:`MAX_FULL_WEIGHTS` weights (full CMA-ES).
    """

    name, section = "cmaes", "cmaes"
    Config = CMAESConfig
    separable = False

    def _setup(self, rng):
        n = self.spec.n_params
        if not self.separable and n > MAX_FULL_WEIGHTS:
            raise ConfigError(f"--algorithm cmaes keeps an n x n covariance: {n} weights need "
                              f"{8 * n * n / 1e9:.1f} GB and O(n^3) work; use --algorithm sep-cmaes (diagonal) or "
                              f"openai-es for networks above {MAX_FULL_WEIGHTS} weights")
        self.par = CMAParameters(n, self.config.population, self.separable)
        self.mean = self.spec.init_genomes(rng, 1)[0]
        self.best_genome = self.mean.copy()
        self.sigma = float(self.config.sigma)
        self.ps, self.pc = np.zeros(n), np.zeros(n)
        self.counteval, self.updated_eval = 0, 0
        if self.separable:
            self.C: np.ndarray = np.ones(n)  # the diagonal
        else:
            self.C = np.eye(n)
            self.B, self.D = np.eye(n), np.ones(n)  # C = B diag(D^2) B^T
            self.invsqrt = np.eye(n)

    @property
    def population_size(self) -> int:
        return self.par.lam

    def _ask(self, rng):
        z = rng.standard_normal((self.par.lam, self.spec.n_params))
        if self.separable:
            return self.mean + self.sigma * z * np.sqrt(self.C)
        return self.mean + self.sigma * (z * self.D) @ self.B.T

    def _tell(self, genomes, f, rng):
        par, n = self.par, self.spec.n_params
        self.counteval += len(f)
        order = np.argsort(-f, kind="stable")  # best first (maximising)
        x = genomes[order[: par.mu]]
        old = self.mean
        self.mean = par.weights @ x
        y = self.mean - old
        z = y / np.sqrt(self.C) if self.separable else self.invsqrt @ y
        self.ps = (1 - par.cs) * self.ps + math.sqrt(par.cs * (2 - par.cs) * par.mueff) / self.sigma * z
        ps2 = float(self.ps @ self.ps)
        hsig = ps2 / n / (1 - (1 - par.cs) ** (2 * self.counteval / par.lam)) < 2 + 4 / (n + 1)
        self.pc = (1 - par.cc) * self.pc + math.sqrt(par.cc * (2 - par.cc) * par.mueff) / self.sigma * hsig * y
        c1a = par.c1 * (1 - (1 - hsig ** 2) * par.cc * (2 - par.cc))
        dx = (x - old) / self.sigma
        if self.separable:
            self.C = (1 - c1a - par.cmu * par.weights.sum()) * self.C + par.c1 * self.pc ** 2 \
                + par.cmu * (par.weights @ dx ** 2)
        else:
            self.C = (1 - c1a - par.cmu * par.weights.sum()) * self.C + par.c1 * np.outer(self.pc, self.pc) \
                + par.cmu * (dx.T * par.weights) @ dx
        self.sigma *= math.exp(min(1.0, par.cs / par.damps * (ps2 / n - 1) / 2))
        if not self.separable:
            self._update_eigensystem()

    def _update_eigensystem(self) -> None:
        if self.counteval <= self.updated_eval + self.par.lazy_gap_evals:
            return
        self.C = (self.C + self.C.T) / 2
        values, self.B = np.linalg.eigh(self.C)
        if values.min() <= 0:
            raise ConfigError(f"CMA-ES covariance lost positive definiteness after {self.counteval} samples "
                              f"(smallest eigenvalue {values.min():.3g}); try a smaller --sigma")
        self.D = np.sqrt(values)
        self.invsqrt = (self.B / self.D) @ self.B.T
        self.updated_eval = self.counteval

    def _state(self):
        arrays = {"mean": self.mean, "ps": self.ps, "pc": self.pc, "C": self.C}
        if not self.separable:
            arrays.update(B=self.B, D=self.D, invsqrt=self.invsqrt)
        return arrays, {"sigma": self.sigma, "counteval": self.counteval, "updated_eval": self.updated_eval}

    def _restore(self, arrays, state):
        n = self.spec.n_params
        self.mean, self.ps, self.pc = (self._array(arrays, k, (n,)) for k in ("mean", "ps", "pc"))
        self.C = self._array(arrays, "C", (n,) if self.separable else (n, n))
        if not self.separable:
            self.B, self.invsqrt = self._array(arrays, "B", (n, n)), self._array(arrays, "invsqrt", (n, n))
            self.D = self._array(arrays, "D", (n,))
        self.sigma, self.counteval = float(state["sigma"]), int(state["counteval"])
        self.updated_eval = int(state["updated_eval"])


class SepCMAES(CMAES):
    """sep-CMA-ES (Ros & Hansen 2008): CMA-ES with a diagonal covariance, O(n) time and memory per sample.

    Reads the ``[cmaes]`` section; see :class:`CMAES`.
    """

    name, section = "sep-cmaes", "cmaes"
    separable = True
