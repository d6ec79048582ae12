"""Elman recurrent networks and the policy seam, against the naive references of tests/naive.py."""

import numpy as np
import pytest

from games.car_track.kernel import population_fitness as car_fitness
from games.cartpole.kernel import population_returns as cartpole_returns
from games.flappy_bird.kernel import population_fitness as flappy_fitness
from neuroevo.errors import ConfigError
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.networks import LANES, Network, NetworkSpec, Program, forward, policy_step, policy_step_lanes
from neuroevo.networks.program import HEADER, KIND_GRAPH
from neuroevo.operators import crossover
from tests import naive

REC = NetworkSpec((3, 5, 4, 2), ("tanh", "sigmoid", "linear"), (True, False, True))


def test_genome_layout_and_state():
    spec = NetworkSpec.build(4, (6,), 2, recurrent=True)
    assert spec.recurrent == (True, False) and spec.n_state == 6
    assert spec.n_params == 4 * 6 + 6 * 6 + 6 + 6 * 2 + 2
    w, u, b = spec.unflatten(np.arange(spec.n_params, dtype=float))[0]
    assert w.shape == (4, 6) and u.shape == (6, 6) and b.shape == (6,)
    assert u[0, 0] == 24 and b[0] == 60
    assert REC.n_state == 5 + 2


def test_network_over_a_sequence_matches_naive_and_resets():
    g = REC.init_genomes(np.random.default_rng(0), 1)[0] * 3
    xs = np.random.default_rng(1).normal(0, 2, (30, 3))
    ref = naive.recurrent_forward(REC.sizes, REC.activations, REC.recurrent, g, xs)
    net = Network(REC, g)
    np.testing.assert_allclose(net(xs), ref, rtol=1e-12, atol=1e-12)
    assert not np.allclose(net(xs[0]), ref[0])  # the memory carried over
    net.reset()
    np.testing.assert_allclose([net(x) for x in xs], ref, rtol=1e-12, atol=1e-12)


def test_population_forward_carries_each_genomes_state():
    genomes = REC.init_genomes(np.random.default_rng(2), 4) * 2
    xs = np.random.default_rng(3).normal(size=(5, 4, 3))
    state = np.zeros((4, REC.n_state))
    outs = np.array([forward(REC, genomes, x, state) for x in xs])
    for p in range(4):
        ref = naive.recurrent_forward(REC.sizes, REC.activations, REC.recurrent, genomes[p], xs[:, p])
        np.testing.assert_allclose(outs[:, p], ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="one observation at a time"):
        forward(REC, genomes[0], xs[0])


def test_lanes_step_gives_the_same_bits_as_the_single_step():
    rng = np.random.default_rng(4)
    genomes = rng.normal(0, 1, (LANES, REC.n_params))
    ints = REC.program_ints
    wt = np.ascontiguousarray(genomes.T)
    memory = np.zeros((REC.n_state, LANES))
    single = np.zeros((LANES, REC.n_state))
    buf = np.zeros((2, 5))
    for _ in range(4):
        x = rng.normal(0, 3, (3, LANES))
        out = policy_step_lanes(ints, np.zeros(LANES, np.int64), wt, memory, x, np.zeros((5, LANES)),
                                np.zeros((5, LANES))).copy()
        for lane in range(LANES):
            y = policy_step(ints[0], genomes[lane], single[lane], x[:, lane].copy(), buf)
            np.testing.assert_array_equal(out[:, lane], y)
    np.testing.assert_array_equal(memory.T, single)


def test_spec_file_format():
    ff = NetworkSpec.build(4, (8,), 2)
    assert ff.to_dict() == {"sizes": [4, 8, 2], "activations": ["tanh", "linear"]}
    assert NetworkSpec.from_dict(REC.to_dict()) == REC and NetworkSpec.from_dict(ff.to_dict()) == ff
    with pytest.raises(ConfigError, match="recurrent flags"):
        NetworkSpec((2, 3, 1), ("tanh", "linear"), (True,))


def test_node_crossover_keeps_a_neurons_recurrent_weights_with_it():
    spec = NetworkSpec.build(2, (3,), 1, recurrent=True)
    a, b = np.zeros((50, spec.n_params)), np.ones((50, spec.n_params))
    ca, _ = crossover.node(a, b, spec, np.random.default_rng(0))
    for child in ca:
        w, u, bias = spec.unflatten(child)[0]
        for j in range(3):  # W[:, j], U[:, j] and b[j] come from the same parent
            assert len({*w[:, j], *u[:, j], bias[j]}) == 1
    ids = spec.node_ids
    w_off = 2 * 3
    assert list(ids[w_off: w_off + 9]) == [0, 1, 2] * 3  # U rows: from neuron k to neurons 0..2


@pytest.mark.parametrize("spec", [NetworkSpec.build(4, (6,), 2, recurrent=True),
                                  NetworkSpec((4, 5, 2), ("relu", "linear"), (True, True))])
def test_cartpole_kernel_equals_the_env_loop_with_memory(spec):
    """Lanes refilled mid-run reset their memory: every episode equals a fresh env episode."""
    genomes = spec.init_genomes(np.random.default_rng(5), 37) * 3
    seeds = np.arange(3)
    returns, _ = cartpole_returns(spec, genomes, seeds)
    task = EnvTask("CartPole-v1", spec)
    loop = np.array([[task.episode(g, s)[0] for s in seeds] for g in genomes])
    np.testing.assert_array_equal(returns, loop)
    assert len(np.unique(returns)) > 5


def test_flappy_and_car_kernels_equal_the_env_loop_with_memory():
    rng = np.random.default_rng(6)
    spec = NetworkSpec.build(4, (5,), 2, recurrent=True)
    genomes = spec.init_genomes(rng, 6) * 3
    kernel, _ = flappy_fitness(spec, genomes, [0, 1], score_cap=5)
    loop, _ = EnvTask("neuroevo/FlappyBird-v0", spec, {"score_cap": 5}).evaluate(genomes, [0, 1])
    np.testing.assert_array_equal(kernel, loop)
    spec = NetworkSpec.build(6, (4,), 2, "tanh", "tanh", recurrent=True)
    genomes = spec.init_genomes(rng, 3) * 2
    kw = {"track": "sbend", "max_episode_steps": 150}
    kernel, _ = car_fitness(spec, genomes, [0], **kw)
    loop, _ = EnvTask("neuroevo/CarTrack-v0", spec, kw).evaluate(genomes, [0])
    np.testing.assert_allclose(kernel, loop, rtol=0, atol=1e-12)


# --- graph programs (the form NEAT compiles to) -------------------------------------------------------------

def graph_program(genome, n_in, nodes, outputs):
    """ints row and params of a graph: ``nodes`` = [(node, code, bias, response, [(src, weight), ...])]."""
    params, body = list(genome), []
    n_nodes = 1 + max([n_in - 1, *outputs, *(n[0] for n in nodes)])
    for node, code, bias, resp, links in nodes:
        params += [bias, resp]
        body += [node, code, len(params) - 2, len(params) - 1, len(links)]
        for src, w in links:
            params.append(w)
            body += [src, len(params) - 1]
    head = [KIND_GRAPH, n_in, len(outputs), n_nodes, max(n_nodes, len(outputs)), len(params), n_nodes, len(nodes)]
    assert len(head) == HEADER + 2
    return np.array(head + list(outputs) + body, dtype=np.int64), np.array(params)


class GraphPolicy:
    """A population of random graphs with a recurrent self-link and a back-link (a NEAT-like policy)."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.graphs = []
        for _ in range(n):
            w = rng.normal(0, 2, 12)
            hidden = 4 + int(rng.integers(2))  # variable size: padding is exercised
            nodes = [(hidden, 1, w[0], 1.0, [(0, w[1]), (2, w[2]), (hidden, w[3]), (7, w[4])]),
                     (6, 0, w[5], 1.0, [(hidden, w[6]), (1, w[7]), (3, w[8])]),
                     (7, 0, w[9], 1.0, [(hidden, w[10]), (6, w[11])])]
            self.graphs.append(nodes)

    def program(self, genomes):
        rows = [graph_program([], 4, g, (6, 7)) for g in self.graphs]
        n_int, n_par = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
        ints = np.zeros((len(rows), n_int), np.int64)
        params = np.zeros((len(rows), n_par))
        for i, (r, p) in enumerate(rows):
            ints[i, :len(r)], params[i, :len(p)] = r, p
        return Program(ints, params)


def test_graph_program_matches_naive_in_the_cartpole_kernel():
    from games.cartpole import physics
    policy = GraphPolicy(40, 7)
    returns, _ = cartpole_returns(policy, None, [0, 1])
    acts = {0: "linear", 1: "tanh"}
    for p, graph in enumerate(policy.graphs):
        nodes = [(n, acts[c], b, r, links) for n, c, b, r, links in graph]
        for k, seed in enumerate([0, 1]):
            state, t, done = physics.start_states([seed])[0], 0, False
            values = np.zeros(8)
            while not done and t < 500:
                x = np.asarray(state, dtype=np.float32).astype(np.float64)
                y = naive.graph_step(4, nodes, (6, 7), values, x)
                state, done = naive.cartpole_step(state, int(np.argmax(y)))
                t += 1
            assert returns[p, k] == t, (p, k)
    assert len(np.unique(returns)) > 3


def test_recurrent_config_forms(tmp_path):
    from neuroevo.config import resolve
    from neuroevo.evaluation import make_task

    task = make_task(resolve(flags={"network": {"recurrent": True, "hidden": [4, 3]}}))
    assert task.spec.recurrent == (True, True, False)
    toml = tmp_path / "r.toml"
    toml.write_text("[network]\nhidden = [4, 3]\nrecurrent_layers = [0, 1]\n")
    assert make_task(resolve(str(toml))).spec.recurrent == (False, True, False)
    with pytest.raises(ConfigError, match="one 0 or 1 per hidden layer"):
        resolve(flags={"network": {"recurrent_layers": [1, 0, 1]}})


def test_cli_evolves_and_watches_a_recurrent_network(tmp_path):
    from neuroevo.agent import load_agent
    from neuroevo.cli import main

    out = tmp_path / "rec"
    assert main(["evolve", "--recurrent", "--hidden", "4", "--generations", "2", "--population", "12",
                 "--episodes", "2", "--workers", "1", "--out", str(out)]) == 0
    agent = load_agent(out)
    assert agent.spec.recurrent == (True, False)
    net = agent.network
    first = net(np.ones(4))
    assert not np.array_equal(net(np.ones(4)), first) or not np.any(spec_u(agent))
    net.reset()
    np.testing.assert_array_equal(net(np.ones(4)), first)


def spec_u(agent):
    return agent.spec.unflatten(agent.genome)[0][1]
