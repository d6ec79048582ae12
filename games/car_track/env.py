"""``neuroevo/CarTrack-v0``: a car with distance sensors drives laps of a track without touching the walls."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from numpy.typing import ArrayLike
from gymnasium import spaces

from games.car_track import physics as ph
from games.car_track.track import load_tracks
from neuroevo.errors import TaskError

if TYPE_CHECKING:
    from games.car_track.render import EnvRenderer
    from games.car_track.track import Track

#: Discrete actions as (steering, throttle), in the order of Gymnasium's CarRacing-v3:
#: 0 coast, 1 steer left, 2 steer right, 3 full throttle, 4 full brake.
DISCRETE_ACTIONS = np.array([(0.0, 0.0), (-1.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, -1.0)])
MAX_EPISODE_STEPS = 3000  # 150 s at 20 steps per second


def check_options(laps: int, sensor_angles: ArrayLike, sensor_range: float) -> tuple[int, np.ndarray, float]:
    """Validated ``(laps, sensor angles in radians, sensor range in px)``; raises TaskError on bad values."""
    if int(laps) != laps or laps < 1:
        raise TaskError(f"laps must be a positive integer, got {laps!r}")
    try:
        angles = ph.sensor_radians(sensor_angles)
    except (TypeError, ValueError):
        raise TaskError(f"sensor_angles must be a list of degrees, got {sensor_angles!r}") from None
    if angles.size < 1 or not np.all(np.abs(angles) <= math.pi):
        raise TaskError(f"sensor_angles must be 1 or more angles within [-180, 180] degrees, got {sensor_angles!r}")
    if not (isinstance(sensor_range, (int, float)) and math.isfinite(sensor_range) and sensor_range > 0):
        raise TaskError(f"sensor_range must be a positive number of pixels, got {sensor_range!r}")
    return int(laps), angles, float(sensor_range)


class CarTrackEnv(gym.Env):
    """A top-down car on a closed track, steered from distance sensors, rewarded for progress along the track.

    ## Description
    A car seen from above drives laps of a closed track (a centreline and a width, walls on both sides)
    without touching the walls, sensing them only through a few distance rays, like the classic
    neuroevolution car demos. Physics, sensors and progress are in :mod:`games.car_track.physics` (units:
    pixels, seconds, radians; the kinematic bicycle model, Rajamani, *Vehicle Dynamics and Control*,
    section 2.2); tracks in :mod:`games.car_track.track`. The same code runs the population kernel
    :func:`games.car_track.kernel.population_fitness` and the vector env
    :class:`games.car_track.vector.CarTrackVectorEnv`.

    ## Action Space
    ``continuous=True``: ``Box(-1, 1, (2,), float32)``:

    | Num | Action   | Unit                                                            | Min | Max |
    |-----|----------|-----------------------------------------------------------------|-----|-----|
    | 0   | steering | fraction of the 0.5 rad front-wheel lock (-1 left, +1 right)    | -1  | 1   |
    | 1   | throttle | fraction of 240 px/s^2 acceleration (> 0) or 480 px/s^2 braking (< 0) | -1 | 1 |

    Values outside [-1, 1] are clipped; throttle 0 coasts (drag 0.4 /s).
    ``continuous=False``: ``Discrete(5)``, as Gymnasium's CarRacing: 0 coast, 1 steer left, 2 steer right,
    3 full throttle, 4 full brake.

    ## Observation Space
    ``Box(0, 1, (n_sensors + 1,), float32)``:

    | Num      | Observation                                        | Unit                       | Min | Max |
    |----------|----------------------------------------------------|----------------------------|-----|-----|
    | 0 .. n-1 | distance to the wall along sensor i                | ``sensor_range`` px (200)  | 0   | 1   |
    | n        | speed                                              | 240 px/s (the top speed)   | 0   | 1   |

    Sensors are rays from the car's centre at ``sensor_angles`` degrees from its heading (positive to the
    right), default (-60, -30, 0, 30, 60); a ray that meets no wall within range reads 1.

    ## Rewards
    The progress of the step along the centreline, in laps (only new ground counts: driving backwards or in
    circles earns nothing), plus a time bonus of ``0.1 * max(0, 1 - lap_time * 40 px/s / lap_length)`` for
    each lap completed. The return is the fitness of the population kernel.

    ## Starting State
    At point 0 of the track facing point 1, at rest, moved up to 0.2 track widths sideways and turned up to
    0.15 rad, uniformly at random. With several tracks the episode's track is drawn uniformly too: every
    draw comes from the ``reset`` seed, so a seed fixes the whole episode.

    ## Episode End
    Terminated when the car touches a wall or completes ``laps`` laps. Truncated when it makes less than
    30 px of new progress in 3 s (stalled), and after 3000 steps (150 s, the registered time limit).

    ## Arguments
    ``gym.make("neuroevo/CarTrack-v0", track="oval", continuous=True, laps=3,
    sensor_angles=(-60, -30, 0, 30, 60), sensor_range=200.0, render_mode=None)``.

    - ``track``: a built-in name (oval, sbend, hairpin, technical), a track JSON file, or a comma-separated
      list of them ("oval,sbend").
    - ``render_mode``: None, "human" (a pygame window at 20 fps) or "rgb_array": (H, W, 3) uint8 frames of
      one size for every episode of an env instance, whatever the track: (W, H) is the largest track view
      among the env's tracks (at most 960 x 680 px plus a 34 px HUD), a smaller track's view centred on a
      black letterbox (so ``RecordVideo`` sees one frame size across a multi-track episode sequence).

    ``info`` holds ``laps`` (completed), ``progress`` (laps, float), ``track`` (name), ``crashed`` and
    ``stalled``.

    ## Reset Options
    ``reset(seed=None, options={"track": t})``: ``t`` a track name or an index into the env's tracks
    chooses the episode's track instead of drawing it (the start position is still drawn from the seed).
    No other option is read.

    ## Vector Env
    ``gymnasium.make_vec("neuroevo/CarTrack-v0", num_envs=N, vectorization_mode="vector_entry_point")``
    steps N cars at once in Numba (:mod:`games.car_track.vector`).

    ## Version History
    - v0: first version (kinematic bicycle model, ray-cast sensors, progress reward with a lap-time
      bonus; fixed frame size across tracks).

    Raises:
        TaskError: unknown, malformed or self-intersecting track; bad laps, sensor angles or range.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": int(round(1 / ph.DT))}
    observation_space: spaces.Box  # (obs_dim,) float32

    def __init__(self, render_mode: str | None = None, track: str | Sequence[str] = "oval", continuous: bool = True,
                 laps: int = 3, sensor_angles: Sequence[float] = ph.DEFAULT_SENSOR_ANGLES,
                 sensor_range: float = ph.DEFAULT_SENSOR_RANGE):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise TaskError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.tracks = load_tracks(track)
        self.laps, self.angles, self.sensor_range = check_options(laps, sensor_angles, sensor_range)
        self.continuous = bool(continuous)
        self._dirs = ph.sensor_dirs(self.angles)
        self._arrays = [ph.track_arrays(t, self.sensor_range) for t in self.tracks]
        n = self.angles.size + 1
        self.observation_space = spaces.Box(0.0, 1.0, (n,), dtype=np.float32)
        self.action_space = (spaces.Box(-1.0, 1.0, (2,), dtype=np.float32) if self.continuous
                             else spaces.Discrete(len(DISCRETE_ACTIONS)))
        self.state = np.zeros(ph.STATE_SIZE)
        self.track_index = 0
        self._obs = np.zeros(n)
        self._status = ph.RUNNING
        self._renderer: EnvRenderer | None = None

    @property
    def track(self) -> Track:
        """The :class:`~games.car_track.track.Track` of the current episode."""
        return self.tracks[self.track_index]

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        pick, lateral, dheading = ph.start_draws(self.np_random)
        self.track_index = int(pick * len(self.tracks))
        if options and "track" in options:
            self.track_index = self._track_index(options["track"])
        centre, arc = self._arrays[self.track_index][:2]
        ph.reset(self.state, centre, arc, self.track.width, lateral, dheading)
        self._status = ph.RUNNING
        if self.render_mode == "human":
            self.render()
        return self._observe(), self._info()

    def _track_index(self, which: int | str) -> int:
        names = [t.name for t in self.tracks]
        if isinstance(which, (int, np.integer)) and 0 <= which < len(names):
            return int(which)
        if which in names:
            return names.index(which)
        raise TaskError(f"reset option track={which!r} is not one of this env's tracks {names} (name or index)")

    def step(self, action: np.ndarray | int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.continuous:
            a = np.asarray(action, dtype=np.float64).reshape(-1)
            if a.shape != (2,):
                raise ValueError(f"action must have shape (2,), got {np.shape(action)}")
            steer, throttle = float(a[0]), float(a[1])
        else:
            steer, throttle = DISCRETE_ACTIONS[int(action)]
        reward, self._status = ph.advance(self.state, steer, throttle, self.laps, *self._arrays[self.track_index])
        obs = self._observe()
        terminated = self._status in (ph.CRASHED, ph.FINISHED)
        truncated = self._status == ph.STALLED
        if self.render_mode == "human":
            self.render()
        return obs, float(reward), terminated, truncated, self._info()

    def _observe(self) -> np.ndarray:
        ph.sense(self.state, self._dirs, self.sensor_range, *self._arrays[self.track_index][2:6], self._obs)
        return self._obs.astype(np.float32)

    def _info(self) -> dict:
        length = self.track.length
        return {"laps": int(self.state[ph.LAPS]), "progress": float(self.state[ph.PROGRESS] / length),
                "track": self.track.name, "crashed": self._status == ph.CRASHED,
                "stalled": self._status == ph.STALLED}

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        from games.car_track.render import EnvRenderer

        if self._renderer is None:
            self._renderer = EnvRenderer(self, human=self.render_mode == "human")
        return self._renderer.render()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
