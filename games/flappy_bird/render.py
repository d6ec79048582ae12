"""Pygame drawing of Flappy Bird: the env's frames, and the flock view of a whole population.

Everything is drawn by the project from shapes (no image files): sky with clouds and a skyline, pipes with
their lips, a scrolling ground, birds (body, wing, eye, beak) tinted per genome. Import pygame lazily:
this module is only imported when something is rendered.
"""

from __future__ import annotations

import colorsys
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from games.flappy_bird import physics as ph
from games.flappy_bird.kernel import check_kwargs, flock_step
from neuroevo.live import HumanWindow, import_pygame
from neuroevo.network import NetworkSpec

if TYPE_CHECKING:
    from pygame import Surface
    from pygame.font import Font

    from games.flappy_bird.env import FlappyBirdEnv

pygame = import_pygame()

#: An RGB colour, 0-255 per channel.
Colour = tuple[int, int, int]

SKY = (78, 192, 202)
GROUND = (222, 216, 149)
GRASS = (94, 226, 112)
PIPE = (115, 191, 46)
PIPE_LIGHT = (156, 230, 89)
PIPE_EDGE = (84, 56, 71)
YELLOW = (250, 200, 40)
FADE_FRAMES = 30  # frames over which a dead bird fades out
TAIL_FRAMES = 30  # frames the view goes on after the last bird is done


def bird_colour(index: int, n_birds: int) -> tuple[int, int, int]:
    """The classic yellow for a lone bird; else one of 12 hues, by genome index."""
    if n_birds == 1:
        return YELLOW
    r, g, b = colorsys.hsv_to_rgb((index % 12) / 12.0, 0.75, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def make_bird_sprite(colour: Colour, wing: int) -> Surface:
    """A 34 x 24 px bird facing right; ``wing`` 0, 1, 2 = wing up, middle, down."""
    s = pygame.Surface((ph.BIRD_WIDTH, ph.BIRD_HEIGHT), pygame.SRCALPHA)
    dark = tuple(int(c * 0.6) for c in colour)
    pygame.draw.ellipse(s, (40, 30, 30), (1, 1, 30, 22))
    pygame.draw.ellipse(s, colour, (2, 2, 28, 20))
    pygame.draw.ellipse(s, (255, 240, 200), (6, 13, 16, 8))  # belly
    wy = (5, 9, 13)[wing]
    pygame.draw.ellipse(s, (40, 30, 30), (2, wy - 1, 14, 9))
    pygame.draw.ellipse(s, dark, (3, wy, 12, 7))
    pygame.draw.circle(s, (40, 30, 30), (22, 7), 6)
    pygame.draw.circle(s, (255, 255, 255), (22, 7), 5)
    pygame.draw.circle(s, (20, 20, 20), (24, 7), 2)
    pygame.draw.ellipse(s, (40, 30, 30), (20, 12, 14, 9))
    pygame.draw.ellipse(s, (245, 90, 50), (21, 13, 12, 7))
    return s


class Sprites:
    """Surfaces drawn once: background, ground tile, pipe bodies; birds per colour, wing and angle (cached)."""

    def __init__(self):
        w, h, g = ph.SCREEN_WIDTH, ph.SCREEN_HEIGHT, int(ph.GROUND_Y)
        self.background = pygame.Surface((w, h))
        for y in range(h):
            k = y / h
            self.background.fill((int(SKY[0] + 60 * k), int(SKY[1] + 40 * k), int(SKY[2] + 30 * k)), (0, y, w, 1))
        rng = np.random.default_rng(7)  # fixed scenery
        for x in range(-10, w + 10, 22):  # clouds
            r = int(rng.integers(14, 26))
            pygame.draw.circle(self.background, (235, 250, 250), (x, g - 70 - int(rng.integers(0, 14))), r)
        pygame.draw.rect(self.background, (235, 250, 250), (0, g - 70, w, 40))
        for x in range(0, w, 16):  # skyline
            bh = int(rng.integers(18, 46))
            pygame.draw.rect(self.background, (165, 220, 175), (x, g - bh, 15, bh))
            for wy in range(g - bh + 4, g - 4, 7):
                pygame.draw.rect(self.background, (200, 240, 205), (x + 3, wy, 3, 3))
                pygame.draw.rect(self.background, (200, 240, 205), (x + 9, wy, 3, 3))
        pygame.draw.rect(self.background, (110, 190, 90), (0, g - 12, w, 12))  # bushes
        for x in range(0, w + 20, 18):
            pygame.draw.circle(self.background, (110, 190, 90), (x, g - 12), 11)
        self.ground = pygame.Surface((w + 48, h - g))
        self.ground.fill(GROUND)
        pygame.draw.rect(self.ground, PIPE_EDGE, (0, 0, w + 48, 2))
        pygame.draw.rect(self.ground, GRASS, (0, 2, w + 48, 10))
        for x in range(-12, w + 60, 12):
            pygame.draw.polygon(self.ground, (115, 190, 46), [(x, 12), (x + 6, 12), (x + 12, 2), (x + 6, 2)])
        pygame.draw.rect(self.ground, (200, 190, 120), (0, 12, w + 48, 3))
        self._birds: dict = {}

    def bird(self, colour: Colour, wing: int, angle: int) -> Surface:
        key = (colour, wing, angle)
        if key not in self._birds:
            self._birds[key] = pygame.transform.rotate(make_bird_sprite(colour, wing), angle)
        return self._birds[key]


def draw_pipe(surface: Surface, x: float, gap_top: float, gap: float) -> None:
    """Upper pipe above ``gap_top`` and lower pipe below ``gap_top + gap`` (px), left edge ``x``, 52 px wide."""
    xi, top, bottom, g = int(round(x)), int(round(gap_top)), int(round(gap_top + gap)), int(ph.GROUND_Y)
    for y0, y1, lip_y in ((0, top, top - 24), (bottom, g, bottom)):
        if y1 <= y0:
            continue
        pygame.draw.rect(surface, PIPE_EDGE, (xi + 2, y0, ph.PIPE_WIDTH - 4, y1 - y0))
        pygame.draw.rect(surface, PIPE, (xi + 4, y0, ph.PIPE_WIDTH - 8, y1 - y0))
        pygame.draw.rect(surface, PIPE_LIGHT, (xi + 9, y0, 6, y1 - y0))
        pygame.draw.rect(surface, PIPE_EDGE, (xi, lip_y, ph.PIPE_WIDTH, 24))
        pygame.draw.rect(surface, PIPE, (xi + 2, lip_y + 2, ph.PIPE_WIDTH - 4, 20))
        pygame.draw.rect(surface, PIPE_LIGHT, (xi + 7, lip_y + 2, 6, 20))


def draw_world(surface: Surface, sprites: Sprites, frame: int, gaps: np.ndarray, params: np.ndarray) -> None:
    """Sky, the pipes on screen at ``frame``, and the ground scrolled with them."""
    surface.blit(sprites.background, (0, 0))
    speed, spacing, first = params[ph.P_SPEED], params[ph.P_SPACING], params[ph.P_FIRST_X]
    i = max(0, int((speed * frame - first - ph.PIPE_WIDTH) // spacing))
    while i < gaps.shape[0]:
        x = ph.pipe_x(i, frame, params)
        if x >= ph.SCREEN_WIDTH:
            break
        if x + ph.PIPE_WIDTH > 0:
            draw_pipe(surface, x, gaps[i], params[ph.P_GAP])
        i += 1
    surface.blit(sprites.ground, (-int(speed * frame) % 12 - 12, int(ph.GROUND_Y)))


def draw_bird(surface: Surface, sprites: Sprites, x: float, y: float, rotation: float, frame: int, colour: Colour,
              alpha: int = 255) -> None:
    """A bird with its top-left corner at (x, y) px, tilted like FlapPyBird (never more than 20 degrees up)."""
    angle = int(min(rotation, ph.VISIBLE_ROTATION_MAX))
    wing = (0, 1, 2, 1)[(frame // 3) % 4]
    img = sprites.bird(colour, wing, angle)
    if alpha < 255:
        img = img.copy()
        img.set_alpha(alpha)
    rect = img.get_rect(center=(int(x) + ph.BIRD_WIDTH // 2, int(y) + ph.BIRD_HEIGHT // 2))
    surface.blit(img, rect)


def draw_text(surface: Surface, text: str, pos: tuple[int, int], size: int = 22, colour: Colour = (255, 255, 255),
              center: bool = False) -> None:
    """Text with a dark outline (pygame's default font)."""
    font = _font(size)
    img, shadow = font.render(text, True, colour), font.render(text, True, (40, 30, 30))
    rect = img.get_rect(center=pos) if center else img.get_rect(topleft=pos)
    for dx, dy in ((-2, 0), (2, 0), (0, -2), (0, 2)):
        surface.blit(shadow, rect.move(dx, dy))
    surface.blit(img, rect)


_FONTS: dict[int, Font] = {}


def _font(size: int) -> Font:
    if size not in _FONTS:
        pygame.font.init()
        _FONTS[size] = pygame.font.Font(None, size)
    return _FONTS[size]


class EnvRenderer:
    """Draws a :class:`~games.flappy_bird.env.FlappyBirdEnv`: "rgb_array" returns (512, 288, 3) uint8 frames,
    "human" shows them in a pygame window at ``fps`` frames per second."""

    def __init__(self, render_mode: str, fps: int):
        self.mode, self.fps = render_mode, fps
        self.surface = pygame.Surface((ph.SCREEN_WIDTH, ph.SCREEN_HEIGHT))
        self.sprites = Sprites()
        self.window = HumanWindow("neuroevo: Flappy Bird")

    def render(self, env: FlappyBirdEnv) -> np.ndarray | None:
        s = self.surface
        draw_world(s, self.sprites, env.frame, env.gaps, env.params)
        draw_bird(s, self.sprites, ph.BIRD_X, env.bird[0], env.bird[2], env.frame, YELLOW)
        draw_text(s, str(env.score), (ph.SCREEN_WIDTH // 2, 60), 56, center=True)
        if self.mode == "rgb_array":
            return np.transpose(pygame.surfarray.array3d(s), (1, 0, 2))
        self.window.present(s, self.fps)
        return None

    def close(self) -> None:
        self.window.close()


class FlockScene:
    """A whole population flying the same pipes, one bird per genome, for ``neuroevo.live.show``/``record``.

    Implements the ``neuroevo.live.Scene`` protocol: ``size`` (288, 512) px, ``fps`` 30, ``step()``,
    ``draw(surface)``, ``returns``. Crashed birds fall to the ground, drift left with the pipes and fade.
    The HUD shows the generation, birds flying, pipes passed (by the best bird) and the best fitness so far.

    Args:
        spec, genomes: the network spec and (P, n_params) float64 genomes.
        seed: the episode seed (the pipes are those of ``env.reset(seed=seed)``).
        generation, best_fitness: shown in the HUD when given.
        **env_kwargs: the env's keywords (observation, score_cap, pipe_gap, ...; render_mode ignored).

    Raises:
        ConfigError: on bad keywords or a network that does not fit the observation.
    """

    size = (ph.SCREEN_WIDTH, ph.SCREEN_HEIGHT)
    fps = ph.FPS

    def __init__(self, spec: NetworkSpec, genomes: np.ndarray, seed: int, *, generation: int | None = None,
                 best_fitness: float | None = None, **env_kwargs: Any):
        self.params, self.mode, self.pipe_bonus = check_kwargs(spec, **env_kwargs)
        prog = spec.program(genomes)
        self.genomes, self.ints = prog.params, prog.ints
        n = self.genomes.shape[0]
        self.memory = np.zeros((n, int(self.ints[:, 3].max())))  # the networks' memory (policy seam)
        self.birds = np.tile(ph.start_bird(), (n, 1))
        self.status = np.zeros(n, dtype=np.int8)
        self.frames = np.zeros(n, dtype=np.int64)
        self.rewards = np.zeros(n)
        self._returns = np.zeros(n)
        self.death = np.full(n, -1, dtype=np.int64)  # frame of each bird's crash
        self.fall = np.zeros((n, 3))  # x, y, speed of falling dead birds (drawing only)
        self.rng = np.random.default_rng(int(seed))
        self.gaps = ph.draw_gap_tops(self.rng, self.params[ph.P_GAP])
        self.generation, self.best_fitness = generation, best_fitness
        self.colours = [bird_colour(i, n) for i in range(n)]
        self.t, self.flying, self.tail = 0, n, 0
        self._sprites: Sprites | None = None

    @property
    def returns(self) -> np.ndarray:
        """(P,) float64 env return of each bird so far (+0.1 per frame, +1 per pipe, -1 on the crash)."""
        return self._returns.copy()

    @property
    def scores(self) -> np.ndarray:
        """(P,) int64 pipes passed by each bird."""
        return self.birds[:, 3].astype(np.int64)

    @property
    def fitness(self) -> np.ndarray:
        """(P,) float64 the kernel's fitness of each bird so far: frames + pipe_bonus x pipes."""
        return self.frames + self.pipe_bonus * self.scores

    def step(self) -> bool:
        """Advance one frame; False once every bird is done and the last one has finished falling."""
        if self.flying == 0:
            self.tail += 1
            self._animate_dead()
            return self.tail < TAIL_FRAMES
        while self.gaps.shape[0] <= self.scores.max() + 4:
            self.gaps = np.concatenate([self.gaps, ph.draw_gap_tops(self.rng, self.params[ph.P_GAP])])
        before = self.status.copy()
        self.flying = flock_step(self.ints, self.genomes, self.memory, self.birds, self.status, self.frames,
                                 self.rewards, self.t, self.gaps, self.params, self.mode)
        self.t += 1
        self._returns += self.rewards
        crashed = np.flatnonzero((before == ph.FLYING) & (self.status == ph.CRASHED))
        self.death[crashed] = self.t
        self.fall[crashed] = np.column_stack([np.full(len(crashed), float(ph.BIRD_X)), self.birds[crashed, 0],
                                              np.zeros(len(crashed))])
        self._animate_dead()
        return True

    def _animate_dead(self):
        dead = self.death >= 0
        f = self.fall[dead]
        f[:, 0] -= self.params[ph.P_SPEED]
        f[:, 2] = np.minimum(f[:, 2] + ph.GRAVITY, ph.MAX_FALL_SPEED)
        f[:, 1] = np.minimum(f[:, 1] + f[:, 2], ph.GROUND_Y - ph.BIRD_HEIGHT)
        self.fall[dead] = f

    def draw(self, surface: Surface) -> None:
        """Draw the current frame on a (288, 512) px surface."""
        if self._sprites is None:
            self._sprites = Sprites()
        sp, t = self._sprites, self.t
        draw_world(surface, sp, t, self.gaps, self.params)
        for p in np.flatnonzero(self.death >= 0):
            age = t - self.death[p] + self.tail
            if age < FADE_FRAMES:
                draw_bird(surface, sp, self.fall[p, 0], self.fall[p, 1], -90.0, 0, self.colours[p],
                          int(255 * (1 - age / FADE_FRAMES)))
        alive = np.flatnonzero(self.status != ph.CRASHED)
        for p in alive[::-1]:
            draw_bird(surface, sp, ph.BIRD_X, self.birds[p, 0], self.birds[p, 2], t, self.colours[p])
        self._draw_hud(surface)

    def _draw_hud(self, surface: Surface) -> None:
        n = self.genomes.shape[0]
        best = int(self.scores.max()) if n else 0
        draw_text(surface, str(best), (ph.SCREEN_WIDTH // 2, 60), 56, center=True)
        lines = []
        if self.generation is not None:
            lines.append(f"generation {self.generation}")
        lines.append(f"alive {self.flying}/{n}" if n > 1 else ("flying" if self.flying else "crashed"))
        lines.append(f"pipes {best}")
        if self.best_fitness is not None and math.isfinite(self.best_fitness):
            lines.append(f"best fitness {self.best_fitness:,.0f}")
        for k, line in enumerate(lines):
            draw_text(surface, line, (6, int(ph.GROUND_Y) + 18 + 20 * k), 22)


def make_flock_scene(spec: NetworkSpec, genomes: np.ndarray, seed: int, *, generation: int | None = None,
                     best_fitness: float | None = None, **env_kwargs: Any) -> FlockScene:
    """The flock view of ``genomes`` on the pipes of ``seed`` (registered in ``registry.SCENES``)."""
    return FlockScene(spec, genomes, seed, generation=generation, best_fitness=best_fitness, **env_kwargs)
