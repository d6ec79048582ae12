"""Flappy Bird's packed lane step (games.flappy_bird.lanes) against the scalar physics, and the kernel's
rare paths (several pipes passed in one frame, the narrowing tail) against the env."""

import gymnasium as gym
import numba
import numpy as np
import pytest

import games  # noqa: F401  (registers neuroevo/FlappyBird-v0)
from games.flappy_bird import lanes as ln
from games.flappy_bird import physics as ph
from games.flappy_bird.kernel import population_episodes
from tests.games.test_flappy import LINEAR, flock, play_env


@numba.njit(cache=True)
def _packed(out, fs, ist, params, ev):
    ln.step_lanes(out, fs, ist, params, ev)


def random_lanes(rng, gaps, params, n=64):
    """(fs, ist) of ``n`` birds in random mid-episode states (score consistent with the frame index)."""
    fs, ist = np.zeros((ln.N_FS, n)), np.zeros((4, n), dtype=np.int64)
    for lane in range(n):
        ln.start_lane(fs, ist, gaps, ph.start_bird(), lane, 0, lane)
        t = int(rng.integers(0, 2000))
        bird = np.array([rng.uniform(-60, 390), rng.integers(-9, 11), rng.integers(-90, 46), 0.0])
        while ph.pipe_x(int(bird[3]), t, params) + ph.PIPE_WIDTH / 2 <= ph.BIRD_X + ph.BIRD_WIDTH / 2:
            bird[3] += 1
        ln.start_lane(fs, ist, gaps, bird, lane, 0, lane)
        ist[ln.T, lane] = t
    return fs, ist, params


@pytest.mark.parametrize("spacing", [144.0, 90.0])  # 90 px: three pipes can be left of the bird
def test_packed_step_and_observations_equal_the_scalar_physics(spacing):
    rng = np.random.default_rng(0)
    gaps = ph.gap_tops_for_seed(5, 100.0, 1000)[None, :]
    params = ph.make_params(pipe_spacing=spacing)
    fs, ist, params = random_lanes(rng, gaps, params)
    x, x12 = np.zeros((4, fs.shape[1])), np.zeros((12, fs.shape[1]))
    ln.observe_simple_lanes(fs, ist, params, x)
    ln.observe_pipes_lanes(fs, ist, params, x12)
    out = rng.normal(size=(2, fs.shape[1]))
    before_fs, before_ist = fs.copy(), ist.copy()
    ev = np.zeros(fs.shape[1], dtype=np.int8)
    _packed(out, fs, ist, params, ev)
    obs, obs12 = np.zeros(4), np.zeros(12)
    for lane in range(fs.shape[1]):
        bird = np.array([*before_fs[:3, lane], before_ist[ln.SCORE, lane]])
        ph.observe(bird, int(before_ist[ln.T, lane]), gaps[0], params, 0, obs)
        np.testing.assert_array_equal(x[:, lane], obs.astype(np.float32))
        ph.observe(bird, int(before_ist[ln.T, lane]), gaps[0], params, 1, obs12)
        np.testing.assert_array_equal(x12[:, lane], obs12.astype(np.float32))
        passed = ph.step_bird(bird, int(np.argmax(out[:, lane])), int(before_ist[ln.T, lane]) + 1, gaps[0], params)
        crashed = ln.after_pass(fs, ist, gaps, params, lane) if ev[lane] & ln.PASSED else ev[lane] & ln.CRASHED
        np.testing.assert_array_equal(fs[:3, lane], bird[:3])
        assert ist[ln.SCORE, lane] == bird[3] and ist[ln.T, lane] == before_ist[ln.T, lane] + 1
        assert bool(crashed) == (passed < 0)
        assert bool(ev[lane] & ln.PASSED) == (bird[3] > before_ist[ln.SCORE, lane])
        assert fs[ln.G1, lane] == gaps[0, int(bird[3])]
    assert (ev & ln.PASSED).any() and (ev & ln.CRASHED).any() and (ev == 0).any()


@pytest.mark.parametrize("kwargs", [{"pipe_speed": 150.0, "pipe_spacing": 100.0},
                                    {"pipe_speed": 2.7, "pipe_spacing": 90.0}])
def test_kernel_equals_env_with_fast_or_dense_pipes(kwargs):
    """pipe_speed > pipe_spacing: several pipes in a frame (the scalar after-pass); a speed whose pipe
    positions are not exact in float64."""
    spec, genomes = LINEAR, flock(30)
    seeds = [7, 8]
    frames, scores = population_episodes(spec, genomes, seeds, score_cap=25, **kwargs)
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=25, **kwargs)
    for p, g in enumerate(genomes):
        for k, s in enumerate(seeds):
            _, _, _, _, info = play_env(env, g, spec, s)
            assert (frames[p, k], scores[p, k]) == (info["frames"], info["score"]), (p, s)
    assert scores.max() > 1


def test_narrowing_tail_keeps_every_episode():
    """One long episode among short ones (the block narrows 32 -> 16 -> 8 around it): same as one by one."""
    genomes = flock(60)
    frames, scores = population_episodes(LINEAR, genomes, [4, 5], score_cap=60)
    for p in (0, 7, 14, 40):
        f1, s1 = population_episodes(LINEAR, genomes[p:p + 1], [4, 5], score_cap=60)
        np.testing.assert_array_equal(frames[p], f1[0])
        np.testing.assert_array_equal(scores[p], s1[0])
