"""Stable-Baselines3 adapter for Gymnasium 1.x vector envs (the games' Numba vector envs, or any other).

SB3 (2.x) trains on its own ``VecEnv`` API, not on ``gymnasium.vector.VectorEnv``. :class:`SB3VecEnv` is
that API over a vector env made with ``autoreset_mode="same_step"``, SB3's own semantics: an env that
ends is reset in the same step, its last observation in ``infos[i]["terminal_observation"]`` and
``infos[i]["TimeLimit.truncated"]`` True when it was truncated, not terminated. Needs
``pip install stable-baselines3`` (not a dependency of neuroevo)::

    import gymnasium as gym, games
    from stable_baselines3 import PPO
    from neuroevo.sb3 import SB3VecEnv

    venv = SB3VecEnv(gym.make_vec("neuroevo/FlappyBird-v0", num_envs=16,
                                  vectorization_mode="vector_entry_point", autoreset_mode="same_step"))
    PPO("MlpPolicy", venv).learn(100_000)

An evolved agent needs no adapter: ``neuroevo.load(run).predict`` already follows SB3's convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn


class SB3VecEnv(VecEnv):
    """SB3's ``VecEnv`` over a Gymnasium vector env in ``same_step`` autoreset mode.

    Raises:
        ValueError: if the vector env autoresets in another mode (SB3 expects ``same_step``).
    """

    def __init__(self, env: VectorEnv):
        mode = env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(f"SB3VecEnv needs a vector env with autoreset_mode='same_step', got {mode}")
        self.env = env
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> np.ndarray:
        seeds = None if all(s is None for s in self._seeds) else list(self._seeds)
        # VectorEnv.reset declares `seed: int | None`; Gymnasium's Sync/AsyncVectorEnv and ours take per-env seeds
        obs, _ = self.env.reset(seed=seeds)  # type: ignore[arg-type]
        self._reset_seeds()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.env.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        final = info.get("final_info", {})
        for i in np.flatnonzero(dones):
            infos[i] = {k: v[i] for k, v in final.items() if not k.startswith("_")}
            infos[i]["terminal_observation"] = info["final_obs"][i]
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        self.env.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self.env.unwrapped, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.env.unwrapped, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        result = getattr(self.env.unwrapped, method_name)(*method_args, **method_kwargs)
        return [result] * len(self._get_indices(indices))

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False] * len(self._get_indices(indices))

    def _get_indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else list(indices)
