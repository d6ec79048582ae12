"""The Gymnasium 1.x ``VectorEnv`` contract shared by the games' vector envs (``games/*/vector.py``).

A game's vector env holds N games as arrays and steps them in one Numba call; this base class does the
rest of the contract the way Gymnasium's ``SyncVectorEnv`` does it for N single envs, so that both give
the same observations, rewards, flags and infos step for step:

- ``reset(seed=s)`` seeds game i with ``s + i`` (a list gives one seed per game; None: fresh entropy),
  each game with its own generator (``gymnasium.utils.seeding.np_random``, as ``Env.reset`` does), which
  later resets keep drawing from, as a single env does;
- autoreset (``autoreset_mode``, Gymnasium's :class:`~gymnasium.vector.AutoresetMode`): ``NEXT_STEP``
  (the default, Gymnasium's): the step after a game ended resets it, ignoring its action, with reward 0 and
  both flags False; ``SAME_STEP``: a game that ends is reset in the same step, its last observation and
  info in ``infos["final_obs"]`` / ``infos["final_info"]``; ``DISABLED``: the user resets ended games with
  ``reset(options={"reset_mask": mask})``;
- ``max_episode_steps`` (given by ``gymnasium.make_vec`` from the registration) truncates like
  ``TimeLimit``;
- infos are dicts of arrays, each key ``k`` with its mask ``_k`` (Gymnasium's vector info format).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from gymnasium.spaces import Box, MultiDiscrete
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

#: numpy dtype of an info value of this Python type (as ``VectorEnv._add_info`` picks it).
_INFO_DTYPES = {bool: np.bool_, int: np.int64, float: np.float64}


def autoreset_mode_of(mode: AutoresetMode | str) -> AutoresetMode:
    """An ``AutoresetMode`` from itself, its value ("NextStep") or its name ("next_step", "NEXT_STEP").

    Raises:
        ValueError: naming the accepted values.
    """
    if isinstance(mode, AutoresetMode):
        return mode
    for m in AutoresetMode:
        if mode in (m.value, m.name, m.name.lower()):
            return m
    raise ValueError(f"autoreset_mode must be one of {', '.join(m.name.lower() for m in AutoresetMode)}, "
                     f"got {mode!r}")


class GameVectorEnv(VectorEnv):
    """Base of the games' vector envs: seeding, autoreset, time limit and infos (see the module docstring).

    Subclasses set ``single_observation_space``, ``single_action_space`` and ``info_types`` ({key: type}),
    and write ``_reset_games(indices, options)`` and ``_step_games(indices, actions)``, which update
    ``self._obs`` (N, obs_dim) float64 and, for stepping, ``self._rewards``, ``self._terminated`` and
    ``self._truncated`` at ``indices``; ``_infos(indices)`` returns {key: (len(indices),) values}.
    """

    info_types: dict[str, type] = {}
    single_observation_space: Box  # a game's observations: a Box of shape (obs_dim,)

    def __init__(self, num_envs: int, autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
                 max_episode_steps: int | None = None):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        self.num_envs = int(num_envs)
        self.autoreset_mode = autoreset_mode_of(autoreset_mode)
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        if max_episode_steps is not None and (int(max_episode_steps) != max_episode_steps or max_episode_steps < 1):
            raise ValueError(f"max_episode_steps must be a positive integer or None, got {max_episode_steps!r}")
        self.max_episode_steps = None if max_episode_steps is None else int(max_episode_steps)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        n = self.num_envs
        self._rngs: list[np.random.Generator] = [seeding.np_random()[0] for _ in range(n)]
        self._obs = np.zeros((n, *self.single_observation_space.shape), dtype=np.float64)
        self._rewards = np.zeros(n, dtype=np.float64)
        self._terminated = np.zeros(n, dtype=np.bool_)
        self._truncated = np.zeros(n, dtype=np.bool_)
        self._elapsed = np.zeros(n, dtype=np.int64)
        self._autoreset: np.ndarray = np.zeros(n, dtype=np.bool_)

    # --- Gymnasium API -------------------------------------------------------------------------------
    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the games (all, or ``options["reset_mask"]`` (N,) bool); ``seed``: see the module docstring.

        Returns ``(observations (N, obs_dim) float32, infos)``.
        """
        options = dict(options or {})
        mask = np.asarray(options.pop("reset_mask", np.ones(self.num_envs, dtype=bool)), dtype=bool)
        if mask.shape != (self.num_envs,):
            raise ValueError(f"reset_mask must have shape ({self.num_envs},), got {mask.shape}")
        seeds = self._seeds(seed)
        indices = np.flatnonzero(mask)
        for i in indices:
            if seeds[i] is not None:  # None: keep drawing from the game's generator, as Env.reset does
                self._rngs[i] = seeding.np_random(seeds[i])[0]
        self._reset(indices, options)
        self._autoreset[indices] = False
        return self._observations(), self._info_dict(indices)

    def step(self, actions: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every game with its action ``actions[i]``.

        Returns ``(observations (N, obs_dim) float32, rewards (N,) float64, terminations (N,) bool,
        truncations (N,) bool, infos)``.
        """
        actions = self._check_actions(actions)
        n = self.num_envs
        if self.autoreset_mode == AutoresetMode.DISABLED and self._autoreset.any():
            raise RuntimeError(f"games {np.flatnonzero(self._autoreset).tolist()} ended: reset them with "
                               f"reset(options={{'reset_mask': mask}}) before stepping (autoreset disabled)")
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            resetting = np.flatnonzero(self._autoreset)
            stepping = np.flatnonzero(~self._autoreset)
        else:
            resetting, stepping = np.zeros(0, dtype=np.int64), np.arange(n)
        if stepping.size:
            self._step_games(stepping, actions)
            self._elapsed[stepping] += 1
            if self.max_episode_steps is not None:
                self._truncated[stepping] |= self._elapsed[stepping] >= self.max_episode_steps
        infos: dict[str, Any] = {}
        if resetting.size:
            self._reset(resetting, {})
            self._rewards[resetting] = 0.0
            self._terminated[resetting] = False
            self._truncated[resetting] = False
        done = self._terminated | self._truncated
        if self.autoreset_mode == AutoresetMode.SAME_STEP and done.any():
            ended = np.flatnonzero(done)
            final_obs = np.full(n, None, dtype=object)
            final = self._observations()
            for i in ended:
                final_obs[i] = final[i]
            infos["final_info"] = self._info_dict(ended)
            infos["_final_info"] = done.copy()
            infos["final_obs"], infos["_final_obs"] = final_obs, done.copy()
            self._reset(ended, {})
        infos.update(self._info_dict(np.arange(n)))
        self._autoreset = done.copy()
        return (self._observations(), self._rewards.copy(), self._terminated.copy(), self._truncated.copy(),
                infos)

    # --- helpers -------------------------------------------------------------------------------------
    def _reset(self, indices: np.ndarray, options: dict[str, Any]) -> None:
        self._elapsed[indices] = 0
        self._reset_games(indices, options)

    def _seeds(self, seed: int | Iterable[int | None] | None) -> list[int | None]:
        if seed is None or isinstance(seed, (int, np.integer)):
            return [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise ValueError(f"reset got {len(seeds)} seeds for {self.num_envs} envs")
        return seeds

    def _check_actions(self, actions: ArrayLike) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != self.action_space.shape:
            raise ValueError(f"actions must have shape {self.action_space.shape} (num_envs, ...), got {a.shape}")
        space = self.action_space
        if isinstance(space, MultiDiscrete) and not (
                np.issubdtype(a.dtype, np.integer) and np.all((a >= space.start) & (a < space.start + space.nvec))):
            raise ValueError(f"actions outside {self.single_action_space}: {a!r}")  # Box actions are clipped
        return a

    def _observations(self) -> np.ndarray:
        return self._obs.astype(np.float32)

    def _info_dict(self, indices: np.ndarray) -> dict[str, Any]:
        """Infos of the games at ``indices`` in Gymnasium's vector format (zeros and False masks elsewhere)."""
        values = self._infos(indices)
        infos: dict[str, Any] = {}
        mask = np.zeros(self.num_envs, dtype=np.bool_)
        mask[indices] = True
        for key, kind in self.info_types.items():
            array: np.ndarray
            if kind in _INFO_DTYPES:
                array = np.zeros(self.num_envs, dtype=_INFO_DTYPES[kind])
            else:
                array = np.full(self.num_envs, None, dtype=object)
            array[indices] = values[key]
            infos[key], infos[f"_{key}"] = array, mask.copy()
        return infos

    def _reset_games(self, indices: np.ndarray, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def _step_games(self, indices: np.ndarray, actions: np.ndarray) -> None:
        raise NotImplementedError

    def _infos(self, indices: np.ndarray) -> dict[str, Any]:
        raise NotImplementedError
