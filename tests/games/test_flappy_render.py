"""Flappy Bird rendering, headless (SDL dummy video driver): env frames, the flock scene and its GIF."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym  # noqa: E402
import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pygame  # noqa: E402

import games  # noqa: E402,F401
from games.flappy_bird import physics as ph  # noqa: E402
from games.flappy_bird.render import SKY, make_flock_scene  # noqa: E402
from neuroevo.live import Scene, record  # noqa: E402
from tests.games.test_flappy import LINEAR, flock, play_env  # noqa: E402


def test_rgb_array_frame_shows_sky_ground_bird_and_pipe():
    env = gym.make("neuroevo/FlappyBird-v0", render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(100):  # the first pipe (x = 488 - 4 t) is on screen
        env.step(int(env.unwrapped.bird[0] > 250))  # hover near y = 250 px
    frame = env.render()
    assert frame.shape == (512, 288, 3) and frame.dtype == np.uint8
    assert tuple(frame[2, 2]) == SKY
    assert frame[480, 150].tolist() == [222, 216, 149]  # ground
    bird = env.unwrapped.bird
    centre = frame[int(bird[0]) + 4: int(bird[0]) + 20, 60:88].reshape(-1, 3)
    assert (np.abs(centre.astype(int) - SKY).sum(axis=1) > 60).mean() > 0.5  # the bird is drawn there
    x = int(ph.pipe_x(0, env.unwrapped.frame, env.unwrapped.params))
    column = frame[: int(ph.GROUND_Y) - 20, x + 26]
    assert (column[:, 1] > 150).sum() > 150 and (column[:, 0] < 140).sum() > 150  # green pipe body


def test_flock_scene_steps_like_the_env_and_draws_hud():
    genomes = flock(10)
    scene = make_flock_scene(LINEAR, genomes, 4, generation=3, best_fitness=321.0, score_cap=15)
    assert isinstance(scene, Scene) and scene.size == (288, 512) and scene.fps == 30
    surface = pygame.Surface(scene.size)
    scene.draw(surface)
    first = pygame.surfarray.array3d(surface).copy()
    n = 0
    while scene.step():
        n += 1
        if n == 80:
            scene.draw(surface)
    assert n < 20000
    mid = pygame.surfarray.array3d(surface)
    assert (first != mid).any()
    hud = mid[:150, int(ph.GROUND_Y) + 15: int(ph.GROUND_Y) + 100]
    assert (hud == 255).all(axis=-1).sum() > 100  # white HUD text over the ground
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=15)
    for p in (0, 7, 14, 20):
        _, total, _, _, info = play_env(env, genomes[p], LINEAR, 4)
        assert scene.returns[p] == total
        assert scene.scores[p] == info["score"] and scene.fitness[p] == info["fitness"]


def test_flock_gif_is_written_headless(tmp_path):
    scene = make_flock_scene(LINEAR, flock(5), 1, generation=0, best_fitness=10.0, score_cap=5)
    path = record(scene, tmp_path / "flock.gif", max_seconds=2.0, fps=10, scale=0.5).path
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 21 and frames.shape[1:3] == (256, 144)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).sum() > 0
