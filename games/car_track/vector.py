"""``gymnasium.make_vec("neuroevo/CarTrack-v0", num_envs=N, vectorization_mode="vector_entry_point")``:
N cars stepped at once in Numba, with the physics of the single env (:mod:`games.car_track.physics`:
``advance``, ``sense``, ``reset``, ``start_draws``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba
import numpy as np

from games._vector import GameVectorEnv
from games.car_track import physics as ph
from games.car_track.env import DISCRETE_ACTIONS, MAX_EPISODE_STEPS, CarTrackEnv


@numba.njit(cache=True)
def _step(indices, steer, throttle, laps, angles, sensor_range, states, obs, rewards, status, arrays):
    """Advance the cars at ``indices`` (all on the track of ``arrays``) one step and sense."""
    dirs = ph.sensor_dirs(angles)
    for k in range(indices.shape[0]):
        i = indices[k]
        rewards[i], status[i] = ph.advance(states[i], steer[i], throttle[i], laps, arrays[0], arrays[1], arrays[2],
                                           arrays[3], arrays[4], arrays[5], arrays[6], arrays[7])
        ph.sense(states[i], dirs, sensor_range, arrays[2], arrays[3], arrays[4], arrays[5], obs[i])


@numba.njit(cache=True)
def _reset(indices, lateral, dheading, width, angles, sensor_range, states, obs, arrays):
    """Put the cars at ``indices`` (all on the track of ``arrays``) at the start, and sense."""
    dirs = ph.sensor_dirs(angles)
    for k in range(indices.shape[0]):
        i = indices[k]
        ph.reset(states[i], arrays[0], arrays[1], width, lateral[i], dheading[i])
        ph.sense(states[i], dirs, sensor_range, arrays[2], arrays[3], arrays[4], arrays[5], obs[i])


class CarTrackVectorEnv(GameVectorEnv):
    """N cars of ``neuroevo/CarTrack-v0`` as one Gymnasium 1.x ``VectorEnv``, stepped in Numba.

    Car i behaves exactly as ``gymnasium.make("neuroevo/CarTrack-v0", **kwargs)`` reset with seed
    ``seed + i`` inside a ``SyncVectorEnv`` of the same ``autoreset_mode`` (observations, rewards, flags,
    infos, step for step; tested). Each car draws its own track when there are several (as the single env);
    ``reset(options={"track": name or index})`` puts every reset car on that track. The contract (seeding,
    autoreset modes, info format) is in :mod:`games._vector`.

    Spaces: the single env's (``Box(0, 1, (n_sensors + 1,))`` float32 observations; ``Box(-1, 1, (2,))``
    (steering, throttle) or ``Discrete(5)`` actions), batched: (N, n_sensors + 1) and (N, 2) or
    ``MultiDiscrete([5] * N)``.

    Args:
        num_envs: number of cars N (>= 1).
        autoreset_mode: ``"next_step"`` (default, Gymnasium's), ``"same_step"`` or ``"disabled"``.
        max_episode_steps: steps after which an episode is truncated (``make_vec`` passes the registered
            3000, 150 s).
        track, continuous, laps, sensor_angles, sensor_range: as the single env's.

    ``infos``: ``laps`` (int64), ``progress`` (laps, float64), ``track`` (names, object), ``crashed`` and
    ``stalled`` (bool), each with its ``_key`` mask. No rendering: render one car with the single env.

    Raises:
        TaskError: as the single env (tracks, laps, sensors). ValueError: bad num_envs, actions or seeds.
    """

    metadata = {"render_modes": [], "autoreset_mode": None}
    info_types = {"laps": int, "progress": float, "track": str, "crashed": bool, "stalled": bool}

    def __init__(self, num_envs: int = 1, autoreset_mode: str = "next_step",
                 max_episode_steps: int | None = MAX_EPISODE_STEPS, render_mode: None = None, track: str | Sequence[str] = "oval",
                 continuous: bool = True, laps: int = 3, sensor_angles: Sequence[float] = ph.DEFAULT_SENSOR_ANGLES,
                 sensor_range: float = ph.DEFAULT_SENSOR_RANGE):
        if render_mode is not None:
            raise ValueError("the car vector env does not render; render one car with the single env")
        single = CarTrackEnv(None, track, continuous, laps, sensor_angles, sensor_range)
        self.single_observation_space, self.single_action_space = single.observation_space, single.action_space
        self.tracks, self._arrays, self.continuous = single.tracks, single._arrays, single.continuous
        self.laps, self.angles, self.sensor_range = single.laps, single.angles, single.sensor_range
        self._single = single  # for its reset-option check (track names and indices)
        self._lengths = np.array([t.length for t in self.tracks], dtype=np.float64)
        self._names = np.array([t.name for t in self.tracks], dtype=object)
        self.render_mode = None
        super().__init__(num_envs, autoreset_mode, max_episode_steps)
        n = self.num_envs
        self.states = np.zeros((n, ph.STATE_SIZE))
        self.track_index = np.zeros(n, dtype=np.int64)
        self.status = np.full(n, ph.RUNNING, dtype=np.int64)

    def _reset_games(self, indices: np.ndarray, options: dict[str, Any]) -> None:
        lateral, dheading = np.zeros(self.num_envs), np.zeros(self.num_envs)
        for i in indices:
            pick, lateral[i], dheading[i] = ph.start_draws(self._rngs[i])
            self.track_index[i] = int(pick * len(self.tracks))
        if "track" in options:
            self.track_index[indices] = self._single._track_index(options["track"])
        self.status[indices] = ph.RUNNING
        for t, arrays in enumerate(self._arrays):
            on_track = indices[self.track_index[indices] == t].astype(np.int64)
            if on_track.size:
                _reset(on_track, lateral, dheading, self.tracks[t].width, self.angles, self.sensor_range,
                       self.states, self._obs, arrays)

    def _step_games(self, indices: np.ndarray, actions: np.ndarray) -> None:
        if self.continuous:
            a = np.asarray(actions, dtype=np.float64)
            steer, throttle = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1])
        else:
            a = DISCRETE_ACTIONS[np.asarray(actions, dtype=np.int64)]
            steer, throttle = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1])
        for t, arrays in enumerate(self._arrays):
            on_track = indices[self.track_index[indices] == t].astype(np.int64)
            if on_track.size:
                _step(on_track, steer, throttle, self.laps, self.angles, self.sensor_range, self.states, self._obs,
                      self._rewards, self.status, arrays)
        self._terminated[indices] = (self.status[indices] == ph.CRASHED) | (self.status[indices] == ph.FINISHED)
        self._truncated[indices] = self.status[indices] == ph.STALLED

    def _infos(self, indices: np.ndarray) -> dict[str, Any]:
        t = self.track_index[indices]
        lengths, names = self._lengths[t], self._names[t]
        return {"laps": self.states[indices, ph.LAPS].astype(np.int64),
                "progress": self.states[indices, ph.PROGRESS] / lengths, "track": names,
                "crashed": self.status[indices] == ph.CRASHED, "stalled": self.status[indices] == ph.STALLED}
