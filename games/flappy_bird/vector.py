"""``gymnasium.make_vec("neuroevo/FlappyBird-v0", num_envs=N, vectorization_mode="vector_entry_point")``:
N Flappy Bird games stepped at once in Numba, with the physics of the single env
(:mod:`games.flappy_bird.physics`: ``step_bird``, ``step_reward``, ``observe``)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from games._vector import GameVectorEnv
from games.flappy_bird import physics as ph
from games.flappy_bird.env import FlappyBirdEnv
from games.flappy_bird.kernel import PIPE_BONUS


@numba.njit(cache=True)
def _step(indices, actions, birds, frames, gaps, n_gaps, params, mode, obs, rewards, terminated, truncated,
          need_gaps):
    """Step the birds at ``indices`` one frame; observe those whose pipe gaps are drawn far enough ahead
    (``need_gaps[i]`` True: draw a block of gaps, then observe, in Python)."""
    for k in range(indices.shape[0]):
        i = indices[k]
        frames[i] += 1
        passed = ph.step_bird(birds[i], actions[i], frames[i], gaps[i], params)
        crashed = passed < 0
        rewards[i] = ph.step_reward(passed)
        terminated[i] = crashed
        truncated[i] = (not crashed) and birds[i, 3] >= params[ph.P_CAP]
        need_gaps[i] = n_gaps[i] <= birds[i, 3] + 4
        if not need_gaps[i]:
            ph.observe(birds[i], frames[i], gaps[i], params, mode, obs[i])


@numba.njit(cache=True)
def _reset(indices, birds, frames, gaps, params, mode, obs):
    """Put the birds at ``indices`` at the start (their first block of gaps drawn) and observe them."""
    for k in range(indices.shape[0]):
        i = indices[k]
        birds[i, 0], birds[i, 1], birds[i, 2], birds[i, 3] = ph.BIRD_START_Y, ph.BIRD_START_SPEED, \
            ph.BIRD_START_ROTATION, 0.0
        frames[i] = 0
        ph.observe(birds[i], 0, gaps[i], params, mode, obs[i])


class FlappyBirdVectorEnv(GameVectorEnv):
    """N games of ``neuroevo/FlappyBird-v0`` as one Gymnasium 1.x ``VectorEnv``, stepped in one Numba call.

    Game i behaves exactly as ``gymnasium.make("neuroevo/FlappyBird-v0", **kwargs)`` reset with seed
    ``seed + i`` inside a ``SyncVectorEnv`` of the same ``autoreset_mode``: same observations, rewards,
    terminations, truncations and infos, step for step (tested). The contract (seeding, autoreset modes,
    info format) is in :mod:`games._vector`.

    Spaces: ``single_observation_space`` and ``single_action_space`` are the single env's (``Box(4,)`` or
    ``Box(12,)`` float32 observations, ``Discrete(2)`` actions: 0 idle, 1 flap); ``observation_space`` is
    (N, obs_dim) float32 and ``action_space`` ``MultiDiscrete([2] * N)``.

    Args:
        num_envs: number of games N (>= 1).
        autoreset_mode: ``"next_step"`` (default, Gymnasium's), ``"same_step"`` or ``"disabled"``.
        max_episode_steps: frames after which an episode is truncated (None: only the score cap).
        observation, score_cap, pipe_gap, pipe_speed, pipe_spacing, pipe_bonus: as the single env's.

    ``infos``: ``score`` (pipes passed, int64), ``frames`` (int64), ``fitness`` (float64), each with its
    ``_key`` mask. No rendering (``render_mode`` None): render one game with the single env.

    Raises:
        ConfigError: as the single env on bad constants. ValueError: bad num_envs, actions or seeds.
    """

    metadata = {"render_modes": [], "autoreset_mode": None}
    info_types = {"score": int, "frames": int, "fitness": float}

    def __init__(self, num_envs: int = 1, autoreset_mode: str = "next_step", max_episode_steps: int | None = None,
                 render_mode: None = None, observation: str = "simple", score_cap: int | None = ph.SCORE_CAP,
                 pipe_gap: float = ph.PIPE_GAP, pipe_speed: float = ph.PIPE_SPEED,
                 pipe_spacing: float = ph.PIPE_SPACING, pipe_bonus: float = PIPE_BONUS):
        if render_mode is not None:
            raise ValueError("the Flappy Bird vector env does not render; render one game with the single env")
        single = FlappyBirdEnv(None, observation, score_cap, pipe_gap, pipe_speed, pipe_spacing, pipe_bonus)
        self.single_observation_space, self.single_action_space = single.observation_space, single.action_space
        self.params, self.pipe_gap, self.pipe_bonus = single.params, single.pipe_gap, single.pipe_bonus
        self._mode = ph.OBSERVATIONS[observation]
        self.render_mode = None
        super().__init__(num_envs, autoreset_mode, max_episode_steps)
        n = self.num_envs
        self.birds = np.tile(ph.start_bird(), (n, 1))
        self.frames = np.zeros(n, dtype=np.int64)
        self.gaps = np.zeros((n, ph.GAP_BLOCK), dtype=np.float64)
        self.n_gaps = np.zeros(n, dtype=np.int64)
        self._need = np.zeros(n, dtype=np.bool_)

    def _draw_gaps(self, i: int) -> None:
        """Append one block of pipe gaps to game i, from its generator (as the single env's ``_ensure_gaps``)."""
        if self.n_gaps[i] + ph.GAP_BLOCK > self.gaps.shape[1]:
            grown = np.zeros((self.num_envs, 2 * self.gaps.shape[1]), dtype=np.float64)
            grown[:, :self.gaps.shape[1]] = self.gaps
            self.gaps = grown
        a = self.n_gaps[i]
        self.gaps[i, a:a + ph.GAP_BLOCK] = ph.draw_gap_tops(self._rngs[i], self.pipe_gap)
        self.n_gaps[i] += ph.GAP_BLOCK

    def _reset_games(self, indices: np.ndarray, options: dict[str, Any]) -> None:
        for i in indices:
            self.n_gaps[i] = 0
            self._draw_gaps(i)
        _reset(indices.astype(np.int64), self.birds, self.frames, self.gaps, self.params, self._mode, self._obs)

    def _step_games(self, indices: np.ndarray, actions: np.ndarray) -> None:
        _step(indices.astype(np.int64), actions.astype(np.int64), self.birds, self.frames, self.gaps, self.n_gaps,
              self.params, self._mode, self._obs, self._rewards, self._terminated, self._truncated, self._need)
        for i in indices[self._need[indices]]:
            while self.n_gaps[i] <= self.birds[i, 3] + 4:
                self._draw_gaps(i)
            ph.observe(self.birds[i], self.frames[i], self.gaps[i], self.params, self._mode, self._obs[i])

    def _infos(self, indices: np.ndarray) -> dict[str, Any]:
        score = self.birds[indices, 3].astype(np.int64)
        frames = self.frames[indices]
        return {"score": score, "frames": frames, "fitness": frames + self.pipe_bonus * score}
