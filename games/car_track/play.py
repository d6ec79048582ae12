"""A person drives the car in a pygame window with the arrow keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def keyboard_action(pressed: Sequence[bool], keys: Any) -> np.ndarray:
    """(2,) float32 (steering, throttle) from the arrow keys: left/right steer, up accelerates, down brakes."""
    steer = float(pressed[keys.K_RIGHT]) - float(pressed[keys.K_LEFT])
    throttle = float(pressed[keys.K_UP]) - float(pressed[keys.K_DOWN])
    return np.array([steer, throttle], dtype=np.float32)


def play(**env_kwargs: Any) -> None:
    """Drive ``neuroevo/CarTrack-v0`` with the arrow keys at 20 frames per second until the window closes.

    Left/right steer, up accelerates, down brakes; the clock starts with the first key. After a crash, a stall or the last lap, space starts a
    new episode (with several tracks, the next one in the list); Escape or closing the window quits.
    ``env_kwargs`` are the env's keywords (``track``, ``laps``, ``sensor_angles``, ``sensor_range``;
    ``continuous`` and ``render_mode`` are ignored). The time limit is not applied.

    Raises:
        NeuroevoError: if no display is available. TaskError: on a bad track or option.
    """
    from games.car_track.env import CarTrackEnv
    from games.car_track.physics import TIME
    from games.car_track.render import EnvRenderer
    from neuroevo.live import _init_display

    env_kwargs.pop("render_mode", None)
    env_kwargs.pop("continuous", None)
    env = CarTrackEnv(**env_kwargs)
    pygame = _init_display()
    renderer = EnvRenderer(env, human=False)
    episode, over, message = 0, False, ""
    env.reset(seed=0, options={"track": 0})
    window = pygame.display.set_mode(renderer.view().size)
    pygame.display.set_caption("neuroevo play car: arrow keys to drive")
    clock = pygame.time.Clock()
    font = pygame.font.Font(None, 40)
    try:
        while True:
            restart = False
            for e in pygame.event.get():
                if e.type == pygame.QUIT or (e.type == pygame.KEYDOWN and e.key == pygame.K_ESCAPE):
                    return
                restart |= e.type == pygame.KEYDOWN and e.key == pygame.K_SPACE
            if over and restart:
                episode += 1
                env.reset(seed=episode, options={"track": episode % len(env.tracks)})
                over = False
                window = pygame.display.set_mode(renderer.view().size)
            action = keyboard_action(pygame.key.get_pressed(), pygame)
            waiting = not over and env.state[TIME] == 0.0 and not action.any()  # the clock starts on a key
            if not over and not waiting:
                _, _, terminated, truncated, info = env.step(action)
                over = terminated or truncated
                if over:
                    message = ("crashed" if info["crashed"] else "stalled" if info["stalled"]
                               else f"{info['laps']} laps in {env.state[TIME]:.1f} s")
            renderer.draw(window)
            if waiting:
                text = font.render("arrow keys to drive", True, (255, 255, 255))
                window.blit(text, text.get_rect(center=(window.get_width() // 2, window.get_height() // 2)))
            if over:
                text = font.render(f"{message}: space to drive again, esc to quit", True, (255, 255, 255))
                window.blit(text, text.get_rect(center=(window.get_width() // 2, window.get_height() // 2)))
            pygame.display.flip()
            clock.tick(env.metadata["render_fps"])
    finally:
        pygame.display.quit()
