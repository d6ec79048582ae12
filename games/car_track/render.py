"""Pygame drawing of the car game: the track, cars, the leader's sensor rays and a HUD.

pygame is imported inside the functions, so importing this module does not need it. Drawing is in
screen pixels: the world (pixels too) is scaled to fit ``MAX_VIEW`` and shifted under a HUD bar of
``HUD_HEIGHT`` pixels.

- :class:`EnvRenderer` draws one :class:`~games.car_track.env.CarTrackEnv` (render modes human, rgb_array);
- :func:`make_flock_scene` builds a scene of a whole population driving in lockstep (``neuroevo.live``'s
  Scene protocol: ``size``, ``fps``, ``step() -> bool``, ``draw(surface)``).
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from games.car_track import physics as ph
from neuroevo.live import HumanWindow, import_pygame

if TYPE_CHECKING:
    from pygame import Surface

    from games.car_track.env import CarTrackEnv
    from games.car_track.track import KernelArrays, Track
    from neuroevo.networks.spec import NetworkSpec

MAX_VIEW = (960, 680)  # px, largest world area drawn
HUD_HEIGHT = 34  # px
MARGIN = 16.0  # world px around the walls
GRASS, ASPHALT, WALL, LINE = (46, 112, 58), (72, 72, 78), (235, 235, 235), (110, 110, 118)
HUD_BG, HUD_FG = (20, 20, 24), (240, 240, 240)


class View:
    """World-to-screen transform of a track and its pre-drawn background.

    Attributes:
        size: (w, h) window size in pixels, HUD included.
        scale: screen pixels per world pixel.
    """

    def __init__(self, track: Track):
        x0, y0, x1, y1 = track.bounds(MARGIN)
        self.origin = np.array([x0, y0])
        self.scale = min(1.0, MAX_VIEW[0] / (x1 - x0), MAX_VIEW[1] / (y1 - y0))
        self.size = (int(math.ceil((x1 - x0) * self.scale)), int(math.ceil((y1 - y0) * self.scale)) + HUD_HEIGHT)
        self.track = track
        self._background: Surface | None = None

    def to_screen(self, pts: ArrayLike) -> np.ndarray:
        """(..., 2) world pixels -> screen pixels (float)."""
        return (np.asarray(pts, dtype=np.float64) - self.origin) * self.scale + [0.0, HUD_HEIGHT]

    def background(self) -> Surface:
        """The track drawn once: grass, asphalt, walls, centreline checkpoints and the start line."""
        pygame = import_pygame()

        if self._background is None:
            surf = pygame.Surface(self.size)
            surf.fill(GRASS)
            left, right = self.to_screen(self.track.left), self.to_screen(self.track.right)
            n = len(left)
            for i in range(n):
                j = (i + 1) % n
                pygame.draw.polygon(surf, ASPHALT, [left[i], left[j], right[j], right[i]])
            centre = self.to_screen(self.track.centreline)
            for i in range(0, n, 4):  # checkpoints: short dashes along the centreline
                pygame.draw.line(surf, LINE, centre[i], centre[(i + 2) % n], 1)
            for wall in (left, right):
                pygame.draw.lines(surf, WALL, True, [tuple(p) for p in wall], 2)
            a, b = left[0], right[0]
            for k in range(8):  # chequered start line
                p, q = a + (b - a) * k / 8, a + (b - a) * (k + 1) / 8
                pygame.draw.line(surf, (255, 255, 255) if k % 2 == 0 else (10, 10, 10), p, q, 4)
            self._background = surf
        return self._background

    def draw_car(self, surface: Surface, state: np.ndarray, colour: tuple[int, int, int],
                 outline: tuple[int, int, int] | None = None) -> None:
        pygame = import_pygame()

        corners = np.empty((4, 2))
        ph.car_corners(state[ph.X], state[ph.Y], state[ph.HEADING], corners)
        pts = [tuple(p) for p in self.to_screen(corners)]
        pygame.draw.polygon(surface, colour, pts)
        if outline is not None:
            pygame.draw.polygon(surface, outline, pts, 2)

    def draw_rays(self, surface: Surface, state: np.ndarray, angles: np.ndarray, sensor_range: float,
                  arrays: KernelArrays) -> None:
        """The car's sensor rays, green (far wall) to red (near wall), with a dot where each hits."""
        pygame = import_pygame()

        x, y, h = state[ph.X], state[ph.Y], state[ph.HEADING]
        start = self.to_screen([x, y])
        dirs = ph.sensor_dirs(np.asarray(angles, dtype=np.float64))
        for i in range(len(dirs)):
            dx, dy = ph.sensor_ray(math.cos(h), math.sin(h), dirs, i)  # the rays of ph.sense
            d = ph.ray_cast_dir(x, y, dx, dy, sensor_range, *arrays[2:6])
            r = d / sensor_range
            colour = (int(255 * (1 - r)), int(220 * r), 40)
            end = self.to_screen([x + d * dx, y + d * dy])
            pygame.draw.line(surface, colour, start, end, 1)
            pygame.draw.circle(surface, colour, end, 3)


def draw_hud(surface: Surface, items: Iterable[tuple[str, object]]) -> None:
    """A bar of ``label: value`` items across the top of ``surface``."""
    pygame = import_pygame()

    if not pygame.font.get_init():
        pygame.font.init()
    font = pygame.font.Font(None, 24)
    pygame.draw.rect(surface, HUD_BG, (0, 0, surface.get_width(), HUD_HEIGHT))
    text = "   ".join(f"{k}: {v}" for k, v in items)
    surface.blit(font.render(text, True, HUD_FG), (10, (HUD_HEIGHT - font.get_height()) // 2 + 1))


def car_colour(i: int, n: int) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.65, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


LETTERBOX = (0, 0, 0)  # colour around a track's view smaller than the env's frame


def frame_size(tracks: Iterable[Track]) -> tuple[int, int]:
    """(width, height) in pixels of every frame of an env playing ``tracks``: the largest view among them."""
    sizes = [View(t).size for t in tracks]
    return max(w for w, _ in sizes), max(h for _, h in sizes)


class EnvRenderer:
    """Draws a :class:`~games.car_track.env.CarTrackEnv`: one car, its rays, a HUD (lap, progress, speed).

    Every frame has the size :func:`frame_size` of the env's tracks, whatever the episode's track: a smaller
    track's view is centred on a black letterbox (so video recorders see one frame size).
    """

    def __init__(self, env: CarTrackEnv, human: bool):
        self.env, self.human = env, human
        self.views: dict[int, View] = {}
        self.size = frame_size(env.tracks)
        self.window = HumanWindow("neuroevo: CarTrack-v0")

    def view(self) -> View:
        """The view of the env's current track."""
        env = self.env
        if env.track_index not in self.views:
            self.views[env.track_index] = View(env.track)
        return self.views[env.track_index]

    def draw(self, surface: Surface) -> None:
        """Paint the env's current frame on ``surface`` (of size ``self.view().size``)."""
        env, view = self.env, self.view()
        surface.blit(view.background(), (0, 0))
        view.draw_rays(surface, env.state, env.angles, env.sensor_range, env._arrays[env.track_index])
        view.draw_car(surface, env.state, (250, 200, 40), (20, 20, 20))
        s = env.state
        draw_hud(surface, [("track", env.track.name), ("lap", f"{int(s[ph.LAPS])}/{env.laps}"),
                           ("progress", f"{s[ph.PROGRESS] / env.track.length:.2f}"),
                           ("speed", f"{s[ph.SPEED]:.0f} px/s"), ("lap time", f"{s[ph.TIME] - s[ph.LAP_T]:.1f} s")])

    def render(self) -> np.ndarray | None:
        """Human mode: draw to the window (None). rgb_array mode: (H, W, 3) uint8 frame, (W, H) = ``self.size``."""
        pygame = import_pygame()

        view = self.view()
        surface = pygame.Surface(self.size)
        if view.size == self.size:
            self.draw(surface)
        else:
            surface.fill(LETTERBOX)
            inner = pygame.Surface(view.size)
            self.draw(inner)
            surface.blit(inner, ((self.size[0] - view.size[0]) // 2, (self.size[1] - view.size[1]) // 2))
        if not self.human:
            return np.transpose(pygame.surfarray.array3d(surface), (1, 0, 2)).copy()
        self.window.present(surface, self.env.metadata["render_fps"])
        return None

    def close(self) -> None:
        self.window.close()


class FlockScene:
    """A whole population driving one track in lockstep, one step per frame.

    Every car starts from the same start of episode ``seed`` (with several tracks, the seed's track, as the
    env picks it). Running cars are drawn in colour, crashed or stalled ones in grey; the leader (most
    progress, running cars first) in yellow with its sensor rays. HUD: generation, cars alive, best
    progress (laps), the leader's current lap time, best fitness.

    Attributes:
        size: (w, h) window size, pixels.
        fps: frames per second (one env step of 0.05 s per frame: real time).
    """

    def __init__(self, spec: NetworkSpec, genomes: np.ndarray, seed: int, generation: int | None = None,
                 best_fitness: float | None = None, track: str | Sequence[str] = "oval", continuous: bool = True,
                 laps: int = 3, sensor_angles: Sequence[float] = ph.DEFAULT_SENSOR_ANGLES,
                 sensor_range: float = ph.DEFAULT_SENSOR_RANGE, max_episode_steps: int | None = None,
                 render_mode: str | None = None):
        from games.car_track.env import DISCRETE_ACTIONS, MAX_EPISODE_STEPS, check_options
        from games.car_track.track import load_tracks

        self.laps, self.angles, self.sensor_range = check_options(laps, sensor_angles, sensor_range)
        n_out = 2 if continuous else len(DISCRETE_ACTIONS)
        if spec.n_inputs != self.angles.size + 1 or spec.n_outputs != n_out:
            raise ValueError(f"CarTrack-v0 needs a {self.angles.size + 1}-input, {n_out}-output network, "
                             f"got {spec.sizes}")
        self.spec, self.genomes = spec, spec.check_genomes(genomes)
        self.memory = np.zeros((self.genomes.shape[0], spec.n_state))  # the networks' memory (policy seam)
        self.continuous, self.table = bool(continuous), DISCRETE_ACTIONS
        self.generation, self.best_fitness = generation, best_fitness
        self.max_steps = int(max_episode_steps or MAX_EPISODE_STEPS)
        tracks = load_tracks(track)
        pick, lateral, dheading = ph.start_draws(np.random.default_rng(int(seed)))
        self.track = tracks[int(pick * len(tracks))]
        self.arrays = ph.track_arrays(self.track, self.sensor_range)
        p = self.genomes.shape[0]
        self.states = np.zeros((p, ph.STATE_SIZE))
        for s in self.states:
            ph.reset(s, self.arrays[0], self.arrays[1], self.track.width, lateral, dheading)
        self.status = np.zeros(p, dtype=np.int64)
        self.returns = np.zeros(p)
        self.t = 0
        self.view = View(self.track)
        self.size = self.view.size
        self.fps = int(round(1 / ph.DT))

    @property
    def scores(self) -> np.ndarray:
        """(P,) laps completed by each car (the game's own score, shown beside the return)."""
        return self.states[:, ph.LAPS].astype(np.int64)

    @property
    def leader(self) -> int:
        """Index of the car with the most progress, running cars before stopped ones."""
        running = self.status == ph.RUNNING
        key = self.states[:, ph.PROGRESS] + np.where(running, 1e9, 0.0)
        return int(np.argmax(key))

    def step(self) -> bool:
        """Advance every running car by one step; False once every car has stopped or time is up."""
        from games.car_track.kernel import step_cars

        if self.t >= self.max_steps or not np.any(self.status == ph.RUNNING):
            return False
        step_cars(self.spec.program_ints, self.genomes, self.memory, self.states, self.status, self.returns, self.angles,
                  self.sensor_range, self.laps, self.continuous, self.table, *self.arrays)
        self.t += 1
        return True

    def draw(self, surface: Surface) -> None:
        pygame = import_pygame()

        view = self.view
        surface.blit(view.background(), (0, 0))
        lead = self.leader
        order = np.argsort(self.status == ph.RUNNING, kind="stable")  # stopped cars first, under the others
        for i in order:
            if i == lead:
                continue
            running = self.status[i] == ph.RUNNING or self.status[i] == ph.FINISHED
            view.draw_car(surface, self.states[i], car_colour(i, len(order)) if running else (120, 120, 120))
        view.draw_rays(surface, self.states[lead], self.angles, self.sensor_range, self.arrays)
        view.draw_car(surface, self.states[lead], (255, 220, 0), (10, 10, 10))
        s = self.states[lead]
        alive = int(np.sum(self.status == ph.RUNNING))
        items: list[tuple[str, object]] = [] if self.generation is None else [("gen", self.generation)]
        items += [("track", self.track.name), ("alive", f"{alive}/{len(self.status)}"),
                  ("best", f"{self.states[:, ph.PROGRESS].max() / self.track.length:.2f} laps"),
                  ("lap time", f"{s[ph.TIME] - s[ph.LAP_T]:.1f} s")]
        if self.best_fitness is not None:
            items.append(("fitness", f"{self.best_fitness:.2f}"))
        draw_hud(surface, items)
        pygame.draw.rect(surface, (0, 0, 0), surface.get_rect(), 1)


def make_flock_scene(spec: NetworkSpec, genomes: np.ndarray, seed: int, *, generation: int | None = None,
                     best_fitness: float | None = None, **env_kwargs: Any) -> FlockScene:
    """A :class:`FlockScene` of ``genomes`` ((P, n_params) float64) driving the start of episode ``seed``.

    Keywords are the env's (``track``, ``continuous``, ``laps``, ``sensor_angles``, ``sensor_range``;
    ``render_mode`` ignored) plus ``max_episode_steps``.

    Raises:
        TaskError: invalid track or options. ValueError: network size or genome shape mismatch.
    """
    return FlockScene(spec, genomes, seed, generation, best_fitness, **env_kwargs)
