"""The Gymnasium environment ``neuroevo/DoublePole-v0`` (physics in ``games.double_pole.physics``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import ArrayLike

from games.double_pole import physics as ph
from neuroevo.errors import ConfigError

if TYPE_CHECKING:
    from games.double_pole.render import Renderer

GRUAU_STEPS = 1_000


class DoublePoleEnv(gym.Env):
    """Double-pole balancing: keep two poles of different lengths upright on a cart by pushing it.

    ## Description

    The benchmark of Wieland (1991) as coded in the NEAT and ESP experiments (``experiments.cpp`` of
    Stanley's NEAT; see :mod:`games.double_pole.physics` for every constant and its source): a 1 kg cart on
    a 4.8 m track carries a 1 m, 0.1 kg pole and a 0.1 m, 0.01 kg pole on frictional hinges (2e-6); a force
    of up to 10 N either way; gravity 9.8 m/s^2; RK4 steps of 0.01 s, two per decision (50 decisions/s).

    ## Action Space

    ``Box(-1, 1, (1,), float64)``: the force on the cart, ``u * 10`` N (clipped to [-1, 1]).

    ## Observation Space

    ``velocities=True`` (Markovian): ``Box(6,)`` float64, the state scaled as the reference's inputs:

    | Num | Observation                     | Unit       | Failure bound |
    |-----|---------------------------------|------------|---------------|
    | 0   | cart position x / 4.8           | 4.8 m      | +-0.5         |
    | 1   | cart velocity / 2               | 2 m/s      | -             |
    | 2   | long pole angle / 0.52          | 0.52 rad   | +-1.208       |
    | 3   | long pole angular velocity / 2  | 2 rad/s    | -             |
    | 4   | short pole angle / 0.52         | 0.52 rad   | +-1.208       |
    | 5   | short pole angular velocity / 2 | 2 rad/s    | -             |

    ``velocities=False`` (non-Markovian): ``Box(3,)``, rows 0, 2 and 4 only. (The reference's constant 0.5
    bias input is left out: neuroevo's networks have biases.) ``poles=1``: the single-pole variant, the
    short pole removed (its rows read 0).

    ## Rewards

    +1 for every decision, the failing one included (so the return is the steps balanced as the reference
    counts them). With ``gruau=True`` (default when ``velocities=False``), the episode lasts at most 1,000
    steps and its last step's ``info["fitness"]`` is Gruau's damping fitness (``physics.gruau_fitness``),
    which neuroevo's evaluators use instead of the return.

    ## Starting State

    x = 0, long pole at 0.07 rad (about 4 degrees), everything else 0 (the reference's ``init``); no
    randomness (the seed is accepted and unused).

    ## Episode End

    Terminated when |x| > 2.4 m or a pole is beyond 0.628329 rad (36 degrees). Truncated by the
    registration's TimeLimit at 100,000 steps (the solution criterion), or at 1,000 with ``gruau``.

    ## Arguments

    - ``velocities`` (bool, default True), ``poles`` (1 or 2, default 2), ``gruau`` (bool or None).
    - ``render_mode``: None, "human" or "rgb_array" ((400, 600, 3) uint8 frames).

    ## Reset Options

    - ``state``: a (6,) float64 state (x m, x' m/s, theta1 rad, theta1' rad/s, theta2 rad, theta2' rad/s) to
      start from instead of the standard start (the 625 generalisation starts use it).

    ## Version History

    - v0: first version (Wieland 1991 equations, RK4, the NEAT/ESP reference constants).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(self, velocities: bool = True, poles: int = 2, gruau: bool | None = None,
                 render_mode: str | None = None):
        if not isinstance(velocities, bool) or poles not in (1, 2) or not (gruau is None or isinstance(gruau, bool)):
            raise ConfigError(f"DoublePole-v0 takes velocities=True|False, poles=1|2, gruau=None|True|False; got "
                              f"velocities={velocities!r}, poles={poles!r}, gruau={gruau!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.velocities, self.poles = velocities, int(poles)
        self.gruau = (not velocities) if gruau is None else gruau
        self.render_mode = render_mode
        n = 6 if velocities else 3
        self.observation_space = spaces.Box(-np.inf, np.inf, (n,), np.float64)
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float64)
        self.state = ph.START.copy()
        self._scratch = np.empty((4, 6))
        self._obs = np.empty(n)
        self._renderer: Renderer | None = None
        self._t, self._balanced = 0, 0
        self._jiggles: list[float] = []

    def _observation(self) -> np.ndarray:
        ph.observe(self.state, self.velocities, self._obs)
        return self._obs.copy()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        start = (options or {}).get("state")
        self.state = ph.START.copy() if start is None else np.array(start, dtype=np.float64).reshape(6)
        if self.poles == 1:
            self.state[4:] = 0.0
        self._t, self._balanced, self._jiggles = 0, 0, []
        if self.render_mode == "human":
            self.render()
        return self._observation(), {}

    def step(self, action: ArrayLike) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        u = float(np.asarray(action, dtype=np.float64).reshape(-1)[0])
        failed = bool(ph.advance(self.state, u, self.poles, ph.THIRTY_SIX_DEGREES, self._scratch))
        self._t += 1
        self._balanced += 0 if failed else 1
        info: dict[str, Any] = {}
        truncated = False
        if self.gruau:
            self._jiggles.append(ph.jiggle(self.state))
            truncated = not failed and self._t >= GRUAU_STEPS
            if failed or truncated:
                info["fitness"] = ph.gruau_fitness(self._balanced, np.array(self._jiggles))
        if self.render_mode == "human":
            self.render()
        return self._observation(), 1.0, failed, truncated, info

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode: pass render_mode='rgb_array' or 'human'")
            return None
        if self._renderer is None:
            from games.double_pole.render import Renderer

            self._renderer = Renderer(self.render_mode, self.metadata["render_fps"])
        return self._renderer.draw(self.state, self.poles, self._t)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
