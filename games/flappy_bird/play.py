"""A person plays Flappy Bird in a pygame window: space bar (or up arrow, or a click) to flap."""

from __future__ import annotations

from typing import Any


def play(**env_kwargs: Any) -> None:
    """Play ``neuroevo/FlappyBird-v0`` with the keyboard, at 30 frames per second, until the window closes.

    Space, up arrow or a mouse click flaps; the score (pipes passed) is shown at the top. After a crash,
    space starts a new game; Escape or closing the window quits. ``env_kwargs`` are the env's keywords
    (``pipe_gap``, ``pipe_speed``, ...; ``score_cap`` defaults to no cap here).

    Raises:
        NeuroevoError: if no display is available. ConfigError: on a bad keyword.
    """
    from games.flappy_bird.env import FlappyBirdEnv
    from games.flappy_bird.render import EnvRenderer, draw_text
    from neuroevo.live import _init_display

    env_kwargs.pop("render_mode", None)
    env_kwargs.setdefault("score_cap", None)
    env = FlappyBirdEnv(**env_kwargs)
    pygame = _init_display()
    renderer = EnvRenderer("rgb_array", env.metadata["render_fps"])
    window = pygame.display.set_mode(renderer.surface.get_size())
    pygame.display.set_caption("neuroevo play flappy: space to flap")
    clock, best, over = pygame.time.Clock(), 0, False
    env.reset()
    try:
        while True:
            flap = False
            for e in pygame.event.get():
                if e.type == pygame.QUIT or (e.type == pygame.KEYDOWN and e.key == pygame.K_ESCAPE):
                    return
                if (e.type == pygame.KEYDOWN and e.key in (pygame.K_SPACE, pygame.K_UP)) or \
                        e.type == pygame.MOUSEBUTTONDOWN:
                    flap = True
            if over and flap:
                env.reset()
                over = flap = False
            if not over:
                _, _, terminated, truncated, info = env.step(int(flap))
                over = terminated or truncated
                best = max(best, info["score"])
            renderer.render(env)
            window.blit(renderer.surface, (0, 0))
            draw_text(window, f"best {best}", (8, 8), 24)
            if over:
                draw_text(window, "game over", (144, 200), 48, center=True)
                draw_text(window, "space: play again   esc: quit", (144, 240), 22, center=True)
            pygame.display.flip()
            clock.tick(env.metadata["render_fps"])
    finally:
        pygame.display.quit()
