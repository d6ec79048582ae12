"""pygame drawing of the double-pole cart (imported only when rendering)."""

from __future__ import annotations

import math

import numpy as np

from games.double_pole import physics as ph

WIDTH, HEIGHT = 600, 400
SCALE = WIDTH / (2 * ph.TRACK_LIMIT + 1.2)  # px per metre: the 4.8 m track plus margins
CART_W, CART_H, GROUND = 60, 28, 300


class Renderer:
    """Draws a (6,) state as a (400, 600, 3) uint8 frame, or in a window for ``render_mode="human"``."""

    def __init__(self, render_mode: str, fps: int):
        import pygame

        from neuroevo.live import HumanWindow

        pygame.font.init()
        self.mode, self.fps = render_mode, fps
        self.surface = pygame.Surface((WIDTH, HEIGHT))
        self.font = pygame.font.Font(None, 22)
        self.window = HumanWindow("DoublePole-v0") if render_mode == "human" else None

    def draw(self, state: np.ndarray, poles: int, t: int) -> np.ndarray | None:
        import pygame

        s = self.surface
        s.fill((250, 250, 246))
        cx = WIDTH / 2 + state[0] * SCALE
        left, right = WIDTH / 2 - ph.TRACK_LIMIT * SCALE, WIDTH / 2 + ph.TRACK_LIMIT * SCALE
        pygame.draw.line(s, (60, 60, 60), (left - 20, GROUND), (right + 20, GROUND), 2)
        for edge in (left, right):  # the failure bounds of the cart's centre
            pygame.draw.line(s, (200, 70, 60), (edge, GROUND - 12), (edge, GROUND + 12), 3)
        cart = pygame.Rect(0, 0, CART_W, CART_H)
        cart.center = (int(cx), GROUND - CART_H // 2)
        pygame.draw.rect(s, (70, 90, 140), cart, border_radius=4)
        lengths = [2 * ph.LENGTH_1, 2 * ph.LENGTH_2][:poles]  # full lengths, m, drawn to scale
        colours = [(205, 150, 80), (60, 150, 70)]
        for i, (length, angle) in enumerate(zip(lengths, (state[2], state[4]))):
            pivot = (cx - 12 + 24 * i, GROUND - CART_H)  # both hinges on the cart, side by side
            tip = (pivot[0] + math.sin(angle) * length * SCALE, pivot[1] - math.cos(angle) * length * SCALE)
            pygame.draw.line(s, colours[i], pivot, tip, 7)
            pygame.draw.circle(s, (40, 40, 40), (int(pivot[0]), int(pivot[1])), 3)
        text = f"step {t}   x {state[0]:+.2f} m   long {math.degrees(state[2]):+.1f} deg"
        if poles == 2:
            text += f"   short {math.degrees(state[4]):+.1f} deg"
        s.blit(self.font.render(text, True, (30, 30, 30)), (12, 12))
        if self.window is not None:
            self.window.present(s, self.fps)
            return None
        return np.ascontiguousarray(pygame.surfarray.array3d(s).swapaxes(0, 1))

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
