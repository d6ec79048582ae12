"""Compiled NEAT networks (Numba, padded arrays) against the one-node-at-a-time Python reference and against
neat-python's own networks."""

import numpy as np
import pytest

from neuroevo.strategies.neat import NEATConfig, NEATNetwork, compile_genomes, population_outputs
from neuroevo.strategies.neat.functions import ACTIVATIONS, AGGREGATIONS
from tests.neat import naive
from tests.neat.test_core import grown


def rich_config(feed_forward=True, **kw):
    acts = "sigmoid tanh relu identity abs square clamped gauss"
    return NEATConfig.from_flat(dict(num_inputs=3, num_outputs=2, num_hidden=1, feed_forward=feed_forward,
                                     activation_default="random", activation_options=acts,
                                     activation_mutate_rate=0.2, aggregation_default="random",
                                     aggregation_options="sum product max min mean", aggregation_mutate_rate=0.2,
                                     response_mutate_rate=0.3, response_mutate_power=0.5, conn_add_prob=0.7,
                                     node_add_prob=0.4, enabled_mutate_rate=0.05, **kw))


def test_feed_forward_matches_the_python_reference():
    config = rich_config()
    pop = grown(config, n=40, generations=20)
    assert max(len(g.nodes) for g in pop) > 4 and any(not c[2] for g in pop for c in g.conns.values())
    X = np.random.default_rng(0).normal(size=(6, 3))
    out = population_outputs(compile_genomes(pop, 3, 2), X)
    ref = np.array([[naive.feed_forward(g, x, 2) for x in X] for g in pop])
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_recurrent_matches_the_python_reference():
    config = rich_config(feed_forward=False)
    pop = grown(config, n=40, generations=20)
    X = np.random.default_rng(1).normal(size=(7, 3))
    out = population_outputs(compile_genomes(pop, 3, 2, recurrent=True), X)
    ref = np.array([naive.recurrent(g, X, 2) for g in pop])
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    assert np.ptp(out[:, :, 0], axis=1).max() > 0


def test_network_callable_and_chunks():
    pop = grown(rich_config(), n=10, generations=10)
    prog = compile_genomes(pop, 3, 2)
    X = np.random.default_rng(2).normal(size=(5, 3))
    full = population_outputs(prog, X)
    np.testing.assert_array_equal(population_outputs(prog.take(slice(3, 7)), X), full[3:7])
    net = NEATNetwork(pop[4], 3, 2)
    np.testing.assert_array_equal(net(X), full[4])
    np.testing.assert_array_equal(net(X[1]), full[4, 1])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        net(np.zeros(4))
    rec = grown(rich_config(feed_forward=False), n=3, generations=10)[2]
    rnet = NEATNetwork(rec, 3, 2, recurrent=True)
    seq = rnet(X)
    rnet.reset()
    np.testing.assert_array_equal(np.array([rnet(x) for x in X]), seq)


def _to_neat_python(genome, neat, config):
    """The same genome as a neat-python DefaultGenome."""
    g = neat.DefaultGenome(genome.key)
    acts = {v: k for k, v in ACTIVATIONS.items()}
    aggs = {v: k for k, v in AGGREGATIONS.items()}
    for k, (bias, resp, act, agg) in genome.nodes.items():
        n = neat.genes.DefaultNodeGene(k)
        n.bias, n.response, n.activation, n.aggregation, n.time_constant = bias, resp, acts[act], aggs[agg], 1.0
        g.nodes[k] = n
    for k, (innov, w, en) in genome.conns.items():
        c = neat.genes.DefaultConnectionGene(k, innovation=innov)
        c.weight, c.enabled = w, en
        g.connections[k] = c
    return g


@pytest.mark.parametrize("feed_forward", [True, False])
def test_matches_neat_pythons_networks(tmp_path, feed_forward):
    neat = pytest.importorskip("neat")
    config = rich_config(feed_forward=feed_forward)
    pop = grown(config, n=25, generations=20, seed=4)
    ini = tmp_path / "cfg"
    lines = ["[NEAT]", "fitness_criterion = max", "fitness_threshold = 1", "pop_size = 2",
             "reset_on_extinction = False", "no_fitness_termination = False", "[DefaultGenome]"]
    flat = config.to_flat()
    skip = {"compatibility_mode", "mutation_mode", "weight_mutate_genome_prob", "perturbation_type", "conn_add_tries",
            "weight_mutation", "node_add_choice"}
    lines += [f"{k} = {v}" for k, v in flat.items() if k in {f.name for f in config.genome.__dataclass_fields__.values()}
              and k not in skip]
    lines += ["[DefaultSpeciesSet]", "compatibility_threshold = 3", "[DefaultStagnation]",
              "species_fitness_func = max", "max_stagnation = 20", "species_elitism = 2", "[DefaultReproduction]",
              "elitism = 2", "survival_threshold = 0.2", "min_species_size = 2"]
    ini.write_text("\n".join(lines))
    npconfig = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                           neat.DefaultStagnation, str(ini))
    cls = neat.nn.FeedForwardNetwork if feed_forward else neat.nn.RecurrentNetwork
    X = np.random.default_rng(5).normal(size=(6, 3))
    out = population_outputs(compile_genomes(pop, 3, 2, recurrent=not feed_forward), X)
    for p, g in enumerate(pop):
        net = cls.create(_to_neat_python(g, neat, config), npconfig)
        ref = [net.activate(list(x)) for x in X]
        np.testing.assert_allclose(out[p], ref, rtol=1e-12, atol=1e-12, err_msg=f"genome {p}")


@pytest.mark.parametrize("feed_forward", [True, False])
def test_graph_programs_run_in_a_kernel_as_the_compiled_networks(feed_forward):
    """The Numba emitter of the kernels' graph programs writes the rows of the Python one, and a kernel's
    policy step on them gives the compiled networks' outputs bit for bit."""
    from neuroevo.networks.program import policy_reset, policy_step
    from neuroevo.strategies.neat.batch import NEATGenomes
    from neuroevo.strategies.neat.kernel import graph_program, graph_program_python

    acts = "sigmoid tanh relu identity"
    config = NEATConfig.from_flat(dict(num_inputs=3, num_outputs=2, num_hidden=1, feed_forward=feed_forward,
                                       activation_default="random", activation_options=acts,
                                       activation_mutate_rate=0.2, conn_add_prob=0.7, node_add_prob=0.4,
                                       response_mutate_rate=0.3, enabled_mutate_rate=0.05))
    pop = grown(config, n=30, generations=15, seed=7)
    batch = NEATGenomes(pop, 3, 2, recurrent=not feed_forward)
    fast, ref = graph_program(batch), graph_program_python(batch)
    np.testing.assert_array_equal(fast.ints, ref.ints)
    np.testing.assert_array_equal(fast.params, ref.params)
    X = np.random.default_rng(8).normal(size=(5, 3))
    want = batch.outputs(X)
    width = int(fast.ints[:, 4].max())
    for p in range(len(pop)):
        state, buf = np.zeros(int(fast.ints[p, 3])), np.zeros((2, width))
        policy_reset(fast.ints[p], state)
        got = [policy_step(fast.ints[p], fast.params[p], state, x, buf).copy() for x in X]
        np.testing.assert_array_equal(np.array(got), want[p], err_msg=f"genome {p}")


@pytest.mark.parametrize("feed_forward", [True, False])
def test_numba_compiler_computes_what_the_python_one_does(feed_forward):
    """The one-pass compiler (Numba) and the genome-by-genome Python one: the same nodes, connections and
    slots, and the same output bits (a topological order may differ among independent nodes)."""
    from neuroevo.strategies.neat.compile import compile_genomes_python

    pop = grown(rich_config(feed_forward=feed_forward), n=40, generations=25, seed=11)
    fast = compile_genomes(pop, 3, 2, recurrent=not feed_forward)
    ref = compile_genomes_python(pop, 3, 2, recurrent=not feed_forward)
    np.testing.assert_array_equal(fast.n_eval, ref.n_eval)
    np.testing.assert_array_equal(fast.n_slots, ref.n_slots)
    for p in range(len(pop)):
        a, b = set(fast.node[p, :fast.n_eval[p]]), set(ref.node[p, :ref.n_eval[p]])
        assert a == b, p
    X = np.random.default_rng(12).normal(size=(6, 3))
    np.testing.assert_array_equal(population_outputs(fast, X), population_outputs(ref, X))
    if feed_forward:
        cyclic = pop[0].copy()  # output 0 -> hidden 99 -> output 0: a cycle an output needs
        cyclic.nodes[99] = [0.0, 1.0, 0, 0]
        cyclic.conns[(0, 99)] = [999, 1.0, True]
        cyclic.conns[(99, 0)] = [1000, 1.0, True]
        with pytest.raises(ValueError, match="not feed-forward"):
            compile_genomes([cyclic], 3, 2)
