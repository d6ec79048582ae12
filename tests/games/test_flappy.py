"""Flappy Bird: physics against a plain-Python reference, the env against Gymnasium's checker, the
population kernel against the env step for step."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import games  # noqa: F401  (registers neuroevo/FlappyBird-v0)
from games.flappy_bird import physics as ph
from games.flappy_bird.env import FlappyBirdEnv
from games.flappy_bird.kernel import flock_step, population_episodes, population_fitness
from neuroevo.errors import ConfigError
from neuroevo.network import Network, NetworkSpec
from tests.games.naive_flappy import NaiveFlappy

LINEAR = NetworkSpec.build(4, (), 2, "tanh", "linear")
HIDDEN = NetworkSpec.build(4, (6,), 2, "tanh", "linear")


def threshold_genome(margin_px):
    """Flap when the bird's top is more than ``-margin_px`` below the gap centre: passes tens of pipes."""
    w = np.zeros((4, 2))
    w[0, 1], w[3, 1] = 1.0, -1.0
    return np.concatenate([w.ravel(), [0.0, margin_px / 512]])


def flock(n_random=20):
    """Genomes from bad to good: thresholds that pass 0 to ~200 pipes, and random networks."""
    good = np.array([threshold_genome(m) for m in np.linspace(-20, 8, 15)])
    rand = LINEAR.init_genomes(np.random.default_rng(1), n_random) * 3
    return np.concatenate([good, rand])


def play_env(env, genome, spec, seed):
    """The evaluators' policy on the env: float32 obs -> float64 network -> first argmax."""
    net = Network(spec, genome)
    obs, info = env.reset(seed=seed)
    states, done, total = [env.unwrapped.bird.copy()], False, 0.0
    while not done:
        obs, r, term, trunc, info = env.step(int(np.argmax(net(obs.astype(np.float64)))))
        total += r
        states.append(env.unwrapped.bird.copy())
        done = term or trunc
    return np.array(states), total, term, trunc, info


@pytest.mark.parametrize("observation", ["simple", "pipes"])
def test_check_env(observation):
    check_env(gym.make("neuroevo/FlappyBird-v0", observation=observation).unwrapped, skip_render_check=True)


def test_registered_with_threshold_and_spaces():
    env = gym.make("neuroevo/FlappyBird-v0")
    assert env.spec.reward_threshold > 2000
    assert env.action_space == gym.spaces.Discrete(2)
    assert env.observation_space.shape == (4,) and env.observation_space.dtype == np.float32
    assert gym.make("neuroevo/FlappyBird-v0", observation="pipes").observation_space.shape == (12,)


def test_gaps_follow_the_seed_and_flappybird_range():
    env = FlappyBirdEnv()
    env.reset(seed=123)
    np.testing.assert_array_equal(env.gaps, ph.gap_tops_for_seed(123, 100.0, ph.GAP_BLOCK))
    many = ph.gap_tops_for_seed(5, 100.0, 5000)
    assert many.min() == int(ph.GROUND_Y * 0.2) and many.max() == int(ph.GROUND_Y * 0.2) + 141
    env.reset(seed=124)
    assert not np.array_equal(env.gaps, ph.gap_tops_for_seed(123, 100.0, ph.GAP_BLOCK))


@pytest.mark.parametrize("observation", ["simple", "pipes"])
def test_env_matches_naive_reference(observation):
    """Random and scripted flaps: state, observation, reward and crash agree with the list-based game."""
    rng = np.random.default_rng(0)
    crashes = 0
    for episode in range(12):
        env = FlappyBirdEnv(observation=observation, score_cap=None)
        obs, _ = env.reset(seed=episode)
        ref = NaiveFlappy(ph.gap_tops_for_seed(episode, 100.0, 2000))
        np.testing.assert_allclose(obs, ref.observe(observation).astype(np.float32), rtol=0, atol=0)
        margin = rng.uniform(-20, 5)
        for t in range(3000):
            # a noisy threshold policy, so the bird passes pipes and crashes in many ways
            gap_top = next(p for p in ref.pipes if p[0] + 52 > 57)[1]
            flap = ref.y - (gap_top + 50) > margin or rng.random() < 0.03
            obs, reward, term, trunc, info = env.step(int(flap))
            want = ref.step(int(flap))
            assert reward == pytest.approx(want, abs=1e-12), (episode, t)
            np.testing.assert_array_equal(env.bird, [ref.y, ref.vel, ref.rot, ref.score])
            np.testing.assert_array_equal(obs, ref.observe(observation).astype(np.float32))
            assert term == ref.crashed and not trunc
            if term:
                crashes += 1
                break
    assert crashes >= 10


def test_kernel_matches_env_step_for_step():
    """Every bird of a lockstep flock follows the env's trajectory exactly, and crashes on the same frame."""
    genomes = flock()
    ints = LINEAR.program_ints
    params = ph.make_params(score_cap=60)
    for seed in (0, 99):
        gaps = ph.gap_tops_for_seed(seed, 100.0, ph.pipes_needed(params))
        birds = np.tile(ph.start_bird(), (len(genomes), 1))
        status = np.zeros(len(genomes), np.int8)
        frames, rewards = np.zeros(len(genomes), np.int64), np.zeros(len(genomes))
        history = [birds.copy()]
        t = 0
        while flock_step(ints, genomes, np.zeros((len(genomes), 0)), birds, status, frames, rewards, t, gaps, params, 0):
            t += 1
            history.append(birds.copy())
        history.append(birds.copy())
        env = gym.make("neuroevo/FlappyBird-v0", score_cap=60)
        for p, g in enumerate(genomes):
            states, _, term, trunc, info = play_env(env, g, LINEAR, seed)
            n = len(states) - 1
            assert frames[p] == n == info["frames"], (seed, p)
            np.testing.assert_array_equal(np.array(history)[: n + 1, p], states)
            assert status[p] == (ph.CRASHED if term else ph.CAPPED)
        assert (status == ph.CAPPED).any() and (status == ph.CRASHED).any()


@pytest.mark.parametrize("kwargs", [{}, {"observation": "pipes"}, {"pipe_gap": 130, "pipe_speed": 5,
                                                                    "pipe_spacing": 180, "pipe_bonus": 3.0}])
def test_population_fitness_equals_env_episodes(kwargs):
    spec = NetworkSpec.build(12, (6,), 2) if kwargs.get("observation") == "pipes" else LINEAR
    genomes = flock() if spec is LINEAR else spec.init_genomes(np.random.default_rng(2), 30) * 4
    seeds = [3, 2**31 + 5]
    fit, steps = population_fitness(spec, genomes, seeds, score_cap=40, **kwargs)
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=40, **kwargs)
    want, total = np.zeros(len(genomes)), 0
    for p, g in enumerate(genomes):
        for s in seeds:
            _, _, _, _, info = play_env(env, g, spec, s)
            want[p] += info["fitness"] / len(seeds)
            total += info["frames"]
    np.testing.assert_array_equal(fit, want)
    assert steps == total
    assert len(set(fit)) >= 3  # capped, crashed early and late


def test_fitness_is_frames_plus_bonus_and_chunking_invariant():
    genomes, seeds = flock(), [1, 2, 3]
    frames, scores = population_episodes(LINEAR, genomes, seeds, score_cap=30)
    fit, steps = population_fitness(LINEAR, genomes, seeds, score_cap=30, pipe_bonus=10)
    np.testing.assert_array_equal(fit, (frames + 10 * scores).mean(axis=1))
    assert steps == frames.sum() and scores.max() == 30 and scores.min() == 0
    parts = [population_fitness(LINEAR, genomes[a:b], seeds, score_cap=30, pipe_bonus=10)[0]
             for a, b in ((0, 7), (7, len(genomes)))]
    np.testing.assert_array_equal(np.concatenate(parts), fit)


def test_score_cap_truncates():
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=3)
    _, total, term, trunc, info = play_env(env, threshold_genome(-10), LINEAR, 1)
    assert trunc and not term and info["score"] == 3
    assert total == pytest.approx(0.1 * info["frames"] + 3)


def test_hidden_layer_network_matches_env():
    genomes = HIDDEN.init_genomes(np.random.default_rng(4), 40) * 5
    fit, _ = population_fitness(HIDDEN, genomes, [11], score_cap=20)
    env = gym.make("neuroevo/FlappyBird-v0", score_cap=20)
    want = [play_env(env, g, HIDDEN, 11)[4]["fitness"] for g in genomes]
    np.testing.assert_array_equal(fit, want)


@pytest.mark.parametrize("kwargs, match", [
    ({"observation": "pixels"}, "observation"),
    ({"pipe_gap": 0}, "pipe_gap"),
    ({"pipe_gap": 300}, "pipe_gap"),
    ({"pipe_speed": -1}, "pipe_speed"),
    ({"pipe_spacing": 60}, "pipe_spacing"),
    ({"score_cap": 0}, "score_cap"),
    ({"score_cap": 2.5}, "score_cap"),
])
def test_bad_arguments_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        FlappyBirdEnv(**kwargs)
    with pytest.raises(ConfigError, match=match):
        population_fitness(LINEAR, flock(1), [0], **kwargs)


def test_kernel_refuses_wrong_network_and_no_cap():
    with pytest.raises(ConfigError, match="4 inputs and 2 outputs"):
        population_fitness(NetworkSpec.build(5, (), 2), np.zeros((1, 12)), [0])
    with pytest.raises(ConfigError, match="12 inputs"):
        population_fitness(LINEAR, flock(1), [0], observation="pipes")
    with pytest.raises(ConfigError, match="finite score_cap"):
        population_fitness(LINEAR, flock(1), [0], score_cap=None)
