"""Double-pole balancing: physics against the reference transcribed in tests/naive.py, env against kernel."""

import gymnasium as gym
import numba
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import games  # noqa: F401
from games.double_pole import physics as ph
from games.double_pole.kernel import episodes, generalisation, population_fitness, solves
from neuroevo.evaluation import KernelTask, make_task
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.networks import NetworkSpec, as_program, max_header, policy_reset, policy_step
from neuroevo.networks.program import KIND, KIND_GRAPH, N_STATE, WIDTH
from neuroevo.strategies.neat import NEATConfig
from neuroevo.strategies.neat.batch import NEATGenomes, NEATPolicy
from neuroevo.strategies.neat.functions import ACTIVATIONS
from tests import naive
from tests.neat.test_core import grown


@pytest.mark.parametrize("poles", [1, 2])
def test_physics_matches_the_reference_transcription(poles):
    rng = np.random.default_rng(0)
    scratch = np.empty((4, 6))
    for episode in range(5):
        state = ph.START.copy()
        ref = list(state)
        for t in range(300):
            u = float(rng.uniform(-1, 1))
            failed = ph.advance(state, u, poles, ph.THIRTY_SIX_DEGREES, scratch)
            ref, ref_failed = naive.double_pole_advance(ref, u, poles)
            np.testing.assert_allclose(state, ref, rtol=1e-13, atol=1e-15)
            assert failed == ref_failed
            if failed:
                break
        assert t < 299  # random pushes drop the poles


def test_gruau_fitness_matches_naive():
    rng = np.random.default_rng(1)
    for n in (50, 101, 102, 250, 999, 1000):
        j = rng.uniform(0, 1, n)
        balanced = n if n >= 1000 else n - 1
        assert ph.gruau_fitness(balanced, j) == pytest.approx(naive.gruau_fitness(list(j)), rel=1e-12)


def test_generalisation_starts():
    starts = ph.generalisation_starts()
    assert starts.shape == (625, 6) and not starts[:, 4:].any()
    assert starts[0, :4] == pytest.approx([-1.944, -1.215, -0.056548, -0.135088], abs=1e-6)
    assert len({tuple(s) for s in starts}) == 625
    assert starts[:, 0].max() == pytest.approx(1.944)


@pytest.mark.parametrize("kwargs", [{}, {"velocities": False}, {"poles": 1}, {"velocities": False, "gruau": False}])
def test_env_passes_check_env(kwargs):
    env = gym.make("neuroevo/DoublePole-v0", **kwargs)
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("velocities", [True, False])
def test_kernel_fitness_equals_the_env_loop(velocities):
    n_in = 6 if velocities else 3
    for recurrent in (False, True):
        spec = NetworkSpec.build(n_in, (5,), 1, "tanh", "tanh", recurrent=recurrent)
        genomes = spec.init_genomes(np.random.default_rng(2), 8) * 2
        kernel, steps = population_fitness(spec, genomes, [0], velocities=velocities)
        loop, loop_steps = EnvTask("neuroevo/DoublePole-v0", spec, {"velocities": velocities}).evaluate(genomes, [0])
        np.testing.assert_array_equal(kernel, loop)
        assert steps == loop_steps and len(np.unique(kernel)) > 2


def test_kernel_is_used_for_the_id_and_alias():
    from neuroevo.config import resolve

    task = make_task(resolve(flags={"task": {"env": "double-pole", "env_kwargs": {"velocities": False}}}))
    assert isinstance(task, KernelTask) and task.spec.sizes == (3, 1)


def test_a_linear_controller_and_the_criteria():
    """A hand-tuned linear state feedback (an LQR-like gain) balances both poles; a zero network does not."""
    spec = NetworkSpec((6, 1), ("linear",))
    good = np.zeros((1, spec.n_params))
    # u = k . scaled state; gains found by a short random search with the kernel (one balancer is enough)
    good[0, :6] = GAINS
    _, balanced, _, _ = episodes(spec, good, ph.START, max_steps=5_000)
    assert balanced[0, 0] == 5_000
    assert solves(spec, good)[0]
    zero = np.zeros((1, spec.n_params))
    assert not solves(spec, zero)[0]
    assert population_fitness(spec, zero, [0])[0][0] < 200
    # no force: only the 5 starts at rest with both poles exactly upright (x varies) stay up
    assert generalisation(NetworkSpec((3, 1), ("linear",)), np.zeros((1, 4)))[0] == 5


def test_render_frame():
    env = gym.make("neuroevo/DoublePole-v0", render_mode="rgb_array")
    env.reset()
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8 and len(np.unique(frame.reshape(-1, 3), axis=0)) > 4
    env.close()


GAINS = [-0.974, -0.1, -6.279, -3.908, 3.963, 1.814]


@numba.njit(cache=True, error_model="numpy")
def _one_at_a_time(ints, genomes, starts, velocities, poles, failure_angle, max_steps, lengths, balanced, jiggles):
    """The episodes as the kernel played them before its lanes: one at a time, scalar ``policy_step`` and
    ``physics.advance``."""
    buf = np.empty((2, max_header(ints, WIDTH)), dtype=genomes.dtype)
    memory = np.empty(max_header(ints, N_STATE), dtype=genomes.dtype)
    obs, state, scratch = np.empty(6 if velocities else 3), np.empty(6), np.empty((4, 6))
    steps = 0
    for p in range(genomes.shape[0]):
        prog = ints[0 if ints.shape[0] == 1 else p]
        for k in range(starts.shape[0]):
            policy_reset(prog, memory)
            state[:] = starts[k]
            t, failed = 0, False
            while t < max_steps:
                ph.observe(state, velocities, obs)
                y = policy_step(prog, genomes[p], memory, obs, buf)
                failed = ph.advance(state, y[0], poles, failure_angle, scratch)
                if t < jiggles.shape[2]:
                    jiggles[p, k, t] = ph.jiggle(state)
                t += 1
                if failed:
                    break
            lengths[p, k], balanced[p, k] = t, t - 1 if failed else t
            steps += t
    return steps


def _reference(spec, genomes, starts, velocities, poles, max_steps, record_jiggle):
    prog = as_program(spec, genomes)
    lengths = np.zeros((prog.params.shape[0], len(starts)), dtype=np.int64)
    balanced, jiggles = np.zeros_like(lengths), np.zeros((*lengths.shape, record_jiggle))
    steps = _one_at_a_time(prog.ints, prog.params, np.ascontiguousarray(starts), velocities, poles,
                           ph.THIRTY_SIX_DEGREES, max_steps, lengths, balanced, jiggles)
    return lengths, balanced, jiggles, steps


def _layered(n_in, recurrent, dtype, n=37):
    """A 2-unit tanh hidden layer (Elman if ``recurrent``) whose first unit carries the hand-tuned gains (scaled
    into tanh's linear range and back at the output), perturbed per genome, the rest random: some genomes keep
    the poles up to the cap, most drop them after a few to a few hundred steps."""
    spec = NetworkSpec.build(n_in, (2,), 1, "tanh", "tanh", recurrent=recurrent, dtype=dtype)
    rng = np.random.default_rng(n_in + recurrent)
    g = spec.init_genomes(rng, n) * rng.uniform(0.1, 1.0, (n, 1))
    gains = np.array(GAINS if n_in == 6 else GAINS[::2])
    g[:, 0:2 * n_in:2] = 0.05 * gains * (1 + 0.3 * rng.standard_normal((n, n_in)))  # W_0[i, 0]
    g[:, 2 * n_in + (4 if recurrent else 0) + 2] = 20.0 * rng.uniform(0.5, 1.5, n)  # W_1[0, 0]
    return spec, g.astype(dtype)


def _neat(n_in, recurrent, n=37):
    """NEAT genomes with hidden nodes grown by the mutation operators (``tests.neat.test_core.grown``); every
    other one also a perturbed linear controller at its output, so some balance for long."""
    config = NEATConfig.from_flat(dict(num_inputs=n_in, num_outputs=1, num_hidden=1, feed_forward=not recurrent,
                                       activation_default="random", activation_options="sigmoid tanh relu identity",
                                       activation_mutate_rate=0.2, conn_add_prob=0.7, node_add_prob=0.4))
    pop = grown(config, n=n, generations=15, seed=n_in)
    rng = np.random.default_rng(n_in)
    gains = np.array(GAINS if n_in == 6 else GAINS[::2])
    for g in pop[::2]:
        g.nodes[0][:3] = [0.0, 1.0, ACTIVATIONS["identity"]]
        for (_, dst), c in g.conns.items():
            c[1] *= 0.05 if dst == 0 else 1.0
        for i in range(n_in):
            c = g.conns.setdefault((-1 - i, 0), [10_000 + i, 0.0, True])
            c[1:] = [gains[i] * (1 + 0.3 * rng.standard_normal()), True]
    assert max(len(g.nodes) for g in pop) > 2
    return NEATPolicy(n_in, 1), NEATGenomes(pop, n_in, 1, recurrent)


def _policy(kind, n_in):
    if kind.startswith("neat"):
        return _neat(n_in, kind == "neat-recurrent")
    return _layered(n_in, kind.endswith("elman"), "float32" if kind.startswith("float32") else "float64")


KINDS = ["feed-forward", "elman", "float32-feed-forward", "float32-elman", "neat-feed-forward", "neat-recurrent"]


@pytest.mark.parametrize("poles", [1, 2])
@pytest.mark.parametrize("velocities", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_lane_kernel_equals_one_episode_at_a_time(kind, velocities, poles):
    """37 genomes x 50 starts in lanes of 32 (refills, the narrowing tail, the last lanes alone) against the
    scalar loop: the same lengths, steps balanced, damping terms and step count, bit for bit."""
    spec, genomes = _policy(kind, 6 if velocities else 3)
    assert (as_program(spec, genomes).ints[0, KIND] == KIND_GRAPH) == kind.startswith("neat")
    starts = ph.generalisation_starts()[:50]
    got = episodes(spec, genomes, starts, velocities=velocities, poles=poles, max_steps=1000, record_jiggle=100)
    want = _reference(spec, genomes, starts, velocities, poles, 1000, 100)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)
    assert len(np.unique(got[0])) > 10


@pytest.mark.parametrize("n", [1, 3, 12, 20, 40])
def test_lane_kernel_tail_and_small_populations(n):
    """Fewer pairs than lanes, or a few long episodes left (every lane alone, 16 wide, 32 then alone)."""
    spec, genomes = _layered(6, True, "float64", n=n)
    genomes[1::3, 2 * 6 + 4 + 2] *= -1  # some genomes push the wrong way: short episodes beside long ones
    for max_steps in (0, 1, 3000):
        got = episodes(spec, genomes, ph.START, max_steps=max_steps, record_jiggle=5)
        want = _reference(spec, genomes, ph.START[None], True, 2, max_steps, 5)
        for a, b in zip(got, want):
            assert np.array_equal(a, b)
