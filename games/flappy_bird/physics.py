"""Flappy Bird physics, written once in Numba: used by the Gymnasium env, the population kernel and the flock view.

Source: FlapPyBird (sourabhv/FlapPyBird, ``flappy.py``) and ``flappy-bird-gymnasium`` (markub3327), which
follows it: 288 x 512 px screen at 30 frames per second, bird 34 x 24 px at x = 57 px, gravity +1 px/frame^2,
a flap sets the vertical speed to -9 px/frame (allowed while the bird is below y = -48 px), fall speed capped
at +10 px/frame, ground at y = 0.79 x 512 px, pipes 52 px wide moving 4 px/frame with a 100 px gap whose top
is ``int(0.2 * ground_y) + randrange(int(0.6 * ground_y - gap))``; pipes start at ``288 + 200`` px and
follow each other every ``288 / 2`` px. Collisions are axis-aligned boxes (pygame's ``Rect.colliderect``
rule: touching edges do not collide); touching the ground (``y + 24 >= ground_y - 1``) is a crash.

One difference from the originals, for exactness and speed: the pipes form an infinite sequence whose
positions are a closed form of the frame index (pipe ``i`` has its left edge at
``first_x + i * spacing - speed * t``), instead of a list whose pipes are recycled. With the default
(integer) constants every position is an exact float64. Coordinates are pixels, y pointing down.

Bird state: a (4,) float64 array ``(y [px, top edge], vertical speed [px/frame], rotation [degrees], score
[pipes passed])``. Parameters: a (5,) float64 array from :func:`make_params`.
"""

import math

import numba
import numpy as np

from neuroevo.errors import ConfigError

SCREEN_WIDTH = 288  # px
SCREEN_HEIGHT = 512  # px
FPS = 30  # frames per second
GROUND_Y = SCREEN_HEIGHT * 0.79  # px, top of the ground (404.48)
BIRD_X = int(SCREEN_WIDTH * 0.2)  # px, left edge of the bird (57)
BIRD_WIDTH = 34  # px
BIRD_HEIGHT = 24  # px
BIRD_START_Y = int((SCREEN_HEIGHT - BIRD_HEIGHT) / 2)  # px (244)
BIRD_START_SPEED = -9.0  # px/frame
BIRD_START_ROTATION = 45.0  # degrees
GRAVITY = 1.0  # px/frame^2
FLAP_SPEED = -9.0  # px/frame, vertical speed set by a flap
MAX_FALL_SPEED = 10.0  # px/frame
FLAP_CEILING = -2 * BIRD_HEIGHT  # px, a flap only works while y > this
ROTATION_SPEED = 3.0  # degrees/frame (nose goes down)
MIN_ROTATION = -90.0  # degrees
VISIBLE_ROTATION_MAX = 20.0  # degrees, the sprite never tilts up more than this
PIPE_WIDTH = 52  # px
PIPE_HEIGHT = 320  # px (sprite height, drawing only: collisions treat pipes as reaching off screen)

#: Defaults of the overridable constants.
PIPE_GAP = 100.0  # px, vertical opening between the upper and lower pipe
PIPE_SPEED = 4.0  # px/frame
PIPE_SPACING = SCREEN_WIDTH / 2  # px between the left edges of consecutive pipes (144)
FIRST_PIPE_X = SCREEN_WIDTH + 200.0  # px, left edge of the first pipe at frame 0 (488)
SCORE_CAP = 1000  # pipes; the episode is truncated when the score reaches it

#: Indices into the parameter array.
P_GAP, P_SPEED, P_SPACING, P_FIRST_X, P_CAP = 0, 1, 2, 3, 4
#: Pipe gaps are drawn in blocks of this many pipes (the env and the kernel must draw them identically).
GAP_BLOCK = 64
#: Status codes of a bird.
FLYING, CRASHED, CAPPED = 0, 1, 2
#: Observation modes.
OBSERVATIONS = {"simple": 0, "pipes": 1}
OBS_SIZE = {"simple": 4, "pipes": 12}


def make_params(pipe_gap: float = PIPE_GAP, pipe_speed: float = PIPE_SPEED, pipe_spacing: float = PIPE_SPACING,
                score_cap: float | None = SCORE_CAP) -> np.ndarray:
    """(5,) float64 parameter array ``(gap, speed, spacing, first_x, cap)`` for the kernels.

    Args:
        pipe_gap: px, in (0, int(0.6 * ground_y)) = (0, 242).
        pipe_speed: px/frame, > 0.
        pipe_spacing: px between consecutive pipes, > pipe width + bird width (86).
        score_cap: pipes (>= 1), or None for no cap (inf).

    Raises:
        ConfigError: naming the bad value.
    """
    max_gap = int(GROUND_Y * 0.6)
    for name, value in (("pipe_gap", pipe_gap), ("pipe_speed", pipe_speed), ("pipe_spacing", pipe_spacing)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{name} must be a number, got {value!r}")
    if not 0 < pipe_gap < max_gap:
        raise ConfigError(f"pipe_gap must be in (0, {max_gap}) px, got {pipe_gap}")
    if pipe_speed <= 0:
        raise ConfigError(f"pipe_speed must be > 0 px/frame, got {pipe_speed}")
    if pipe_spacing <= PIPE_WIDTH + BIRD_WIDTH:
        raise ConfigError(f"pipe_spacing must be > {PIPE_WIDTH + BIRD_WIDTH} px, got {pipe_spacing}")
    if score_cap is None or (isinstance(score_cap, (int, float)) and score_cap == math.inf):
        cap = math.inf
    elif isinstance(score_cap, bool) or not isinstance(score_cap, int) or score_cap < 1:
        raise ConfigError(f"score_cap must be an integer >= 1 (pipes) or None, got {score_cap!r}")
    else:
        cap = float(score_cap)
    return np.array([pipe_gap, pipe_speed, pipe_spacing, FIRST_PIPE_X, cap], dtype=np.float64)


def draw_gap_tops(rng: np.random.Generator, pipe_gap: float, n_blocks: int = 1) -> np.ndarray:
    """(n_blocks * GAP_BLOCK,) float64 y of the top of each pipe's gap [px], as FlapPyBird's ``getRandomPipe``.

    Drawn block by block (``rng.integers(0, int(0.6 * ground_y - gap), GAP_BLOCK)``), so a sequence extended
    lazily block by block (the env) equals one drawn at once (the kernel).
    """
    base, span = int(GROUND_Y * 0.2), int(GROUND_Y * 0.6 - pipe_gap)
    blocks = [rng.integers(0, span, size=GAP_BLOCK) + base for _ in range(n_blocks)]
    return np.concatenate(blocks).astype(np.float64)


def gap_tops_for_seed(seed: int, pipe_gap: float, n_pipes: int) -> np.ndarray:
    """Gap tops of the first >= ``n_pipes`` pipes of the episode ``reset(seed=seed)`` (Gymnasium's seeding)."""
    return draw_gap_tops(np.random.default_rng(int(seed)), pipe_gap, -(-int(n_pipes) // GAP_BLOCK))


def pipes_needed(params: np.ndarray) -> int:
    """Pipes whose gaps an episode may read before it is truncated by the score cap (cap + 4)."""
    return int(params[P_CAP]) + 4


def start_bird() -> np.ndarray:
    """(4,) float64 state at reset: y = 244 px, speed -9 px/frame, rotation 45 degrees, score 0."""
    return np.array([BIRD_START_Y, BIRD_START_SPEED, BIRD_START_ROTATION, 0.0])


@numba.njit(cache=True)
def pipe_x(i, t, params):
    """Left edge [px] of pipe ``i`` at frame ``t``."""
    return params[P_FIRST_X] + i * params[P_SPACING] - params[P_SPEED] * t


@numba.njit(cache=True)
def _hits_pipe(y, i, t, gaps, params):
    if i < 0:
        return False
    x = pipe_x(i, t, params)
    if not (BIRD_X < x + PIPE_WIDTH and x < BIRD_X + BIRD_WIDTH):
        return False
    return y < gaps[i] or y + BIRD_HEIGHT > gaps[i] + params[P_GAP]


@numba.njit(cache=True)
def step_bird(bird, action, t, gaps, params):
    """Advance one bird by one frame, to frame ``t`` (the frame index after the step, >= 1).

    Order of FlapPyBird's loop: flap, rotation, gravity, move (stopping on the ground), pipes move, score
    (a pipe is passed when its middle reaches the bird's middle), crash test.

    Args:
        bird: (4,) float64 state, updated in place.
        action: 0 idle, 1 flap.
        t: int frame index after this step.
        gaps: (n,) float64 gap tops [px] of pipes 0..n-1 (n > score + 1).
        params: (5,) float64 from :func:`make_params`.

    Returns:
        Pipes passed during this frame (0 or 1), or -1 if the bird crashed in this frame.
    """
    y, vel, rot = bird[0], bird[1], bird[2]
    flapped = False
    if action == 1 and y > FLAP_CEILING:
        vel = FLAP_SPEED
        flapped = True
    if rot > MIN_ROTATION:
        rot -= ROTATION_SPEED
    if vel < MAX_FALL_SPEED and not flapped:
        vel += GRAVITY
    if flapped:
        rot = BIRD_START_ROTATION
    y += min(vel, GROUND_Y - y - BIRD_HEIGHT)
    bird[0], bird[1], bird[2] = y, vel, rot
    score = int(bird[3])
    passed = 0
    while pipe_x(score, t, params) + PIPE_WIDTH / 2 <= BIRD_X + BIRD_WIDTH / 2:
        score += 1
        passed += 1
    bird[3] = score
    if y + BIRD_HEIGHT >= GROUND_Y - 1:
        return -1
    if _hits_pipe(y, score - 1, t, gaps, params) or _hits_pipe(y, score, t, gaps, params):
        return -1
    return passed


@numba.njit(cache=True)
def observe(bird, t, gaps, params, mode, out):
    """Write the observation of ``bird`` at frame ``t`` into ``out`` (float64; the env casts it to float32).

    ``mode`` 0 ("simple", 4 values): y / 512, speed / 10, (next pipe's left edge - bird's left edge) / 288,
    (next gap's centre y) / 512, where the next pipe is the first whose right edge is right of the bird's
    left edge.

    ``mode`` 1 ("pipes", 12 values, flappy-bird-gymnasium's layout): for the first three pipes not yet off
    the left of the screen (right edge > 0): left edge x / 288, gap top / 512, gap bottom / 512 (a pipe still
    right of the screen reads (1, 0, 1)); then y / 512, speed / 10, rotation / 90.
    """
    y, vel, score = bird[0], bird[1], int(bird[3])
    if mode == 0:
        i = max(score - 1, 0)
        while pipe_x(i, t, params) + PIPE_WIDTH <= BIRD_X:
            i += 1
        out[0] = y / SCREEN_HEIGHT
        out[1] = vel / MAX_FALL_SPEED
        out[2] = (pipe_x(i, t, params) - BIRD_X) / SCREEN_WIDTH
        out[3] = (gaps[i] + params[P_GAP] / 2) / SCREEN_HEIGHT
        return
    i = max(score - 2, 0)
    while pipe_x(i, t, params) + PIPE_WIDTH <= 0:
        i += 1
    for k in range(3):
        x = pipe_x(i + k, t, params)
        if x > SCREEN_WIDTH:
            out[3 * k], out[3 * k + 1], out[3 * k + 2] = 1.0, 0.0, 1.0
        else:
            out[3 * k] = x / SCREEN_WIDTH
            out[3 * k + 1] = gaps[i + k] / SCREEN_HEIGHT
            out[3 * k + 2] = (gaps[i + k] + params[P_GAP]) / SCREEN_HEIGHT
    out[9] = y / SCREEN_HEIGHT
    out[10] = vel / MAX_FALL_SPEED
    out[11] = bird[2] / 90.0


@numba.njit(cache=True)
def step_reward(passed):
    """Env reward of a frame from :func:`step_bird`'s result: -1 on a crash, else 0.1 + 1 per pipe passed."""
    if passed < 0:
        return -1.0
    return 0.1 + passed
