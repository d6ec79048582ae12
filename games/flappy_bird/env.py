"""The Gymnasium environment ``neuroevo/FlappyBird-v0`` (physics in ``games.flappy_bird.physics``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from games.flappy_bird import physics as ph
from games.flappy_bird.kernel import PIPE_BONUS
from neuroevo.errors import ConfigError

if TYPE_CHECKING:
    from games.flappy_bird.render import EnvRenderer


class FlappyBirdEnv(gym.Env):
    """Flappy Bird: fly a bird through gaps between pipes for as long as possible.

    ## Description

    The classic game (FlapPyBird, and ``flappy-bird-gymnasium`` which follows it): 288 x 512 px at 30 frames
    per second; every frame gravity adds 1 px/frame to the fall speed (capped at 10 px/frame), a flap sets
    it to -9 px/frame; pipes 52 px wide come from the right at 4 px/frame, one every 144 px, each with a
    100 px gap at a height drawn from the episode's seeded generator. Physics in
    :mod:`games.flappy_bird.physics`, shared with the population kernel and the vector env
    :class:`games.flappy_bird.vector.FlappyBirdVectorEnv`.

    ## Action Space

    ``Discrete(2)``: 0 do nothing, 1 flap.

    ## Observation Space

    ``observation="simple"`` (default): ``Box(4,)`` float32, the inputs of the classic neuroevolution demo
    plus the speed:

    | Num | Observation                                                   | Unit       | Min  | Max        |
    |-----|---------------------------------------------------------------|------------|------|------------|
    | 0   | bird's top edge y / 512                                       | screen h   | -1   | 1          |
    | 1   | vertical speed / 10 (positive: falling)                       | 10 px/frame| -1   | 1          |
    | 2   | next pipe's left edge x - bird's left edge x, / 288           | screen w   | -1   | see space  |
    | 3   | next pipe's gap centre y / 512                                | screen h   | 0    | 1          |

    The next pipe is the first whose right edge is right of the bird's left edge.

    ``observation="pipes"``: ``Box(-1, 1, (12,))`` float32, the 12 features of flappy-bird-gymnasium (a pipe
    still right of the screen reads 1, 0, 1):

    | Num     | Observation                                                   | Unit       | Min  | Max |
    |---------|---------------------------------------------------------------|------------|------|-----|
    | 3k      | left edge x of pipe k (k = 0, 1, 2: the first three pipes not yet off the left edge) / 288 | screen w | -1 | 1 |
    | 3k + 1  | gap top y of pipe k / 512                                     | screen h   | -1   | 1   |
    | 3k + 2  | gap bottom y of pipe k / 512                                  | screen h   | -1   | 1   |
    | 9       | bird's top edge y / 512                                       | screen h   | -1   | 1   |
    | 10      | vertical speed / 10                                           | 10 px/frame| -1   | 1   |
    | 11      | rotation / 90                                                 | 90 degrees | -1   | 1   |

    ## Rewards

    +0.1 for every frame alive, +1 for each pipe passed (its middle reaches the bird's middle), -1 on the
    frame of a crash (instead of the other rewards).

    ## Starting State

    Bird at x = 57 px, y = 244 px, speed -9 px/frame (a flap), rotation 45 degrees; first pipe at x = 488 px.
    The pipe gaps are drawn from ``self.np_random`` (seeded by ``reset(seed=...)``) in blocks of 64 pipes.

    ## Episode End

    Terminated when the bird touches the ground or a pipe. Truncated when the score reaches ``score_cap``.

    ## Arguments

    - ``render_mode``: None, "human" (a pygame window at 30 fps) or "rgb_array" ((512, 288, 3) uint8 frames,
      the same size for every frame of every episode).
    - ``observation``: "simple" or "pipes".
    - ``score_cap``: pipes after which the episode is truncated (default 1000; None: no cap).
    - ``pipe_gap``: px (default 100), ``pipe_speed``: px/frame (default 4), ``pipe_spacing``: px (default 144):
      change them for harder variants.
    - ``pipe_bonus``: fitness per pipe of the population kernel (default 25); the env reports
      ``info["fitness"]`` = frames alive + pipe_bonus x score, the kernel's fitness of this episode.

    ``info``: ``score`` (pipes passed), ``frames`` (frames flown), ``fitness`` (see ``pipe_bonus``).

    ## Reset Options

    ``reset(seed=None, options=None)``: no option is read (the seed fixes the pipe gaps of the episode).

    ## Vector Env

    ``gymnasium.make_vec("neuroevo/FlappyBird-v0", num_envs=N, vectorization_mode="vector_entry_point")``
    steps N games at once in Numba (:mod:`games.flappy_bird.vector`).

    ## Version History

    - v0: first version (FlapPyBird's constants, closed-form pipe positions, "simple" and "pipes"
      observations, reward 0.1 per frame + 1 per pipe, -1 on a crash).

    Raises:
        ConfigError: on an unknown observation mode or an invalid constant.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": ph.FPS}
    observation_space: spaces.Box  # (obs_dim,) float32

    screen_width = ph.SCREEN_WIDTH  # px
    screen_height = ph.SCREEN_HEIGHT  # px
    ground_y = ph.GROUND_Y  # px
    bird_x = ph.BIRD_X  # px
    bird_width, bird_height = ph.BIRD_WIDTH, ph.BIRD_HEIGHT  # px
    gravity = ph.GRAVITY  # px/frame^2
    flap_speed = ph.FLAP_SPEED  # px/frame
    max_fall_speed = ph.MAX_FALL_SPEED  # px/frame
    pipe_width = ph.PIPE_WIDTH  # px

    def __init__(self, render_mode: str | None = None, observation: str = "simple",
                 score_cap: int | None = ph.SCORE_CAP, pipe_gap: float = ph.PIPE_GAP,
                 pipe_speed: float = ph.PIPE_SPEED, pipe_spacing: float = ph.PIPE_SPACING,
                 pipe_bonus: float = PIPE_BONUS):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode must be one of {self.metadata['render_modes']} or None, "
                              f"got {render_mode!r}")
        if observation not in ph.OBSERVATIONS:
            raise ConfigError(f"observation must be one of {', '.join(ph.OBSERVATIONS)}, got {observation!r}")
        self.render_mode, self.observation = render_mode, observation
        self.params = ph.make_params(pipe_gap, pipe_speed, pipe_spacing, score_cap)
        self.pipe_gap, self.pipe_speed, self.pipe_spacing = float(pipe_gap), float(pipe_speed), float(pipe_spacing)
        self.score_cap, self.pipe_bonus = score_cap, float(pipe_bonus)
        self._mode = ph.OBSERVATIONS[observation]
        self.action_space = spaces.Discrete(2)
        if observation == "simple":
            dx_max = max(ph.FIRST_PIPE_X, ph.BIRD_X + self.pipe_spacing) / ph.SCREEN_WIDTH
            self.observation_space = spaces.Box(np.array([-1, -1, -1, 0], dtype=np.float32),
                                                np.array([1, 1, np.ceil(dx_max), 1], dtype=np.float32),
                                                dtype=np.float32)
        else:
            self.observation_space = spaces.Box(-1.0, 1.0, shape=(12,), dtype=np.float32)
        self._obs = np.empty(ph.OBS_SIZE[observation], dtype=np.float64)
        self._renderer: EnvRenderer | None = None
        self.bird, self.frame, self.gaps = ph.start_bird(), 0, np.zeros(0)

    # --- state -----------------------------------------------------------------------------------------
    @property
    def score(self) -> int:
        """Pipes passed in this episode."""
        return int(self.bird[3])

    def _ensure_gaps(self):
        while self.gaps.shape[0] <= self.score + 4:
            self.gaps = np.concatenate([self.gaps, ph.draw_gap_tops(self.np_random, self.pipe_gap)])

    def _observation(self) -> np.ndarray:
        ph.observe(self.bird, self.frame, self.gaps, self.params, self._mode, self._obs)
        return self._obs.astype(np.float32)

    def _info(self) -> dict:
        return {"score": self.score, "frames": self.frame,
                "fitness": self.frame + self.pipe_bonus * self.score}

    # --- Gymnasium API ---------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.bird, self.frame, self.crashed = ph.start_bird(), 0, False
        self.gaps = np.zeros(0)
        self._ensure_gaps()
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        assert self.action_space.contains(action), f"{action!r} ({type(action)}) invalid"
        self.frame += 1
        passed = ph.step_bird(self.bird, int(action), self.frame, self.gaps, self.params)
        self._ensure_gaps()
        self.crashed = passed < 0
        reward = float(ph.step_reward(passed))
        truncated = not self.crashed and self.score >= self.params[ph.P_CAP]
        if self.render_mode == "human":
            self.render()
        return self._observation(), reward, self.crashed, bool(truncated), self._info()

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode: pass render_mode='rgb_array' or 'human' "
                            "to gymnasium.make")
            return None
        if self._renderer is None:
            from games.flappy_bird.render import EnvRenderer

            self._renderer = EnvRenderer(self.render_mode, self.metadata["render_fps"])
        return self._renderer.render(self)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
