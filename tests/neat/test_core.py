"""NEAT's genome, innovation, crossover, distance, speciation and reproduction, against hand-worked cases,
the Python reference of the Numba kernels, and the paper's rules."""

import json

import numpy as np
import pytest

from neuroevo.errors import ConfigError, FitnessError
from neuroevo.strategies.neat import NEAT, NEATConfig, paper_config
from neuroevo.strategies.neat.distance import distance_matrix
from neuroevo.strategies.neat.genome import Genome, add_node, crossover, distance, initial_genome, mutate
from neuroevo.strategies.neat.innovations import InnovationTracker
from neuroevo.strategies.neat.reproduction import adjust_exact, spawn_proportional, spawn_skim, spawn_smoothed
from neuroevo.strategies.neat.speciation import SpeciesSet, stagnation


def cfg(**kw):
    base = dict(num_inputs=2, num_outputs=1, pop_size=20)
    base.update(kw)
    return NEATConfig.from_flat(base)


def grown(config, n=30, generations=15, seed=0):
    """Genomes with hidden nodes and varied connections, grown by the real mutation operators."""
    rng = np.random.default_rng(seed)
    tracker = InnovationTracker()
    pop = [initial_genome(i, config, rng, tracker) for i in range(n)]
    for _ in range(generations):
        tracker.new_generation()
        for g in pop:
            mutate(g, config, rng, tracker)
    return pop


def genome(conns, nodes=(0,)):
    """A genome from {(src, dst): (innovation, weight, enabled)}."""
    return Genome(0, {k: [0.0, 1.0, 0, 0] for k in nodes}, {k: list(v) for k, v in conns.items()})


def test_same_split_in_one_generation_gets_one_node_and_numbers():
    config = cfg(num_hidden=0)
    rng = np.random.default_rng(1)
    tracker = InnovationTracker()
    a, b = (initial_genome(i, config, rng, tracker) for i in range(2))
    assert [c[0] for c in a.conns.values()] == [c[0] for c in b.conns.values()]  # initial genes line up
    for g in (a, b):
        for c in g.conns.values():
            c[2] = (c[0] == 0)  # only connection -1 -> 0 enabled: both genomes must split it
        add_node(g, config, rng, tracker)
    assert set(a.nodes) == set(b.nodes) == {0, 1}
    assert {k: v[0] for k, v in a.conns.items()} == {k: v[0] for k, v in b.conns.items()}
    assert a.conns[(-1, 1)][1] == 1.0 and a.conns[(1, 0)][1] == a.conns[(-1, 0)][1]  # weights 1 and old
    assert not a.conns[(-1, 0)][2] and a.nodes[1][0] == 0.0
    tracker.new_generation()
    c = initial_genome(2, config, rng, tracker)
    for k in c.conns:
        c.conns[k][2] = k == (-1, 0)
    add_node(c, config, rng, tracker)
    assert 2 in c.nodes and c.conns[(-1, 2)][0] > max(v[0] for v in a.conns.values())  # new generation, new


def test_crossover_aligns_by_innovation_and_takes_structure_from_the_fitter():
    fit = genome({(-1, 0): (0, 1.0, True), (-2, 0): (1, 2.0, False), (-1, 5): (4, 3.0, True)}, (0, 5))
    weak = genome({(-1, 0): (0, -1.0, True), (-2, 0): (1, -2.0, True), (-2, 7): (6, 9.0, True)}, (0, 7))
    fit.fitness, weak.fitness = 2.0, 1.0
    rng = np.random.default_rng(0)
    kids = [crossover(fit, weak, 1, rng) for _ in range(4000)]
    assert all(set(k.conns) == set(fit.conns) and set(k.nodes) == {0, 5} for k in kids)  # no gene of weak only
    w0 = np.array([k.conns[(-1, 0)][1] for k in kids])
    assert set(w0) == {1.0, -1.0} and 0.45 < (w0 == 1.0).mean() < 0.55  # matching gene: either parent
    assert all(k.conns[(-1, 5)][1] == 3.0 for k in kids)  # excess gene from the fitter parent
    disabled = np.mean([not k.conns[(-2, 0)][2] for k in kids])
    assert 0.72 < disabled < 0.78  # the paper's 75% rule
    weak.fitness = 3.0
    assert set(crossover(fit, weak, 1, rng).conns) == set(weak.conns)


def test_paper_distance_by_hand():
    config = paper_config(num_inputs=2, num_outputs=1)  # c1 = c2 = 1, c3 = 0.4, N = 1 below 20 genes
    a = genome({(-1, 0): (0, 1.0, True), (-2, 0): (1, 0.5, True), (-1, 3): (3, 1.0, True)})
    b = genome({(-1, 0): (0, 2.0, True), (-2, 0): (1, 0.5, False), (-2, 3): (2, 1.0, True),
                (3, 0): (5, 1.0, True), (4, 0): (7, 1.0, True)})
    # matching 0, 1 (mean |dw| = 0.5); disjoint 2, 3 (below a's last gene 3); excess 5, 7
    assert distance(a, b, config) == pytest.approx(1.0 * 2 + 1.0 * 2 + 0.4 * 0.5)
    big_a = genome({(-1, i): (i, 0.0, True) for i in range(25)})
    big_b = genome({(-1, i): (i, 1.0, True) for i in range(20)})
    assert distance(big_a, big_b, config) == pytest.approx(5 / 25 + 0.4 * 1.0)  # N = 25 from 20 genes


@pytest.mark.parametrize("mode", ["paper", "neat-python"])
def test_numba_distance_matrix_equals_python(mode):
    config = cfg(compatibility_mode=mode, compatibility_excess_coefficient="0.7", num_hidden=1,
                 activation_options="sigmoid tanh", activation_mutate_rate=0.3)
    pop = grown(config)
    D = distance_matrix(pop, range(len(pop)), range(len(pop)), config)
    ref = np.array([[distance(a, b, config) for b in pop] for a in pop])
    np.testing.assert_allclose(D, ref, rtol=1e-12, atol=1e-12)
    assert ref.max() > 0 and np.allclose(np.diag(ref), 0)


def test_speciation_threshold_moves_toward_the_target():
    config = cfg(target_num_species="3", compatibility_threshold=0.01, threshold_adjust_rate=0.2)
    pop = grown(config, n=20)
    s = SpeciesSet(config)
    s.speciate(pop, 0)
    assert len(s.species) > 3 and s.threshold == pytest.approx(0.21)
    assert sorted(i for sp in s.species.values() for i in sp.members) == list(range(20))
    for sp in s.species.values():
        rep = pop.index(sp.representative)
        assert rep in sp.members


def test_stagnant_species_are_removed_except_the_best():
    config = cfg(max_stagnation=2, species_elitism=1, compatibility_threshold=0.01)
    pop = grown(config, n=6)
    s = SpeciesSet(config)
    s.speciate(pop, 0)
    assert len(s.species) >= 3
    f = np.arange(6, dtype=float)
    for gen in range(3):
        out = stagnation(s, f, gen)
    flags = {sp.key: st for sp, st in out}
    best = max(s.species.values(), key=lambda sp: sp.fitness_history[-1])
    assert not flags[best.key] and sum(flags.values()) == len(flags) - 1


def test_spawn_allotment():
    assert spawn_proportional([1.0, 3.0], 100, 2) == [25, 75]
    assert spawn_proportional([0.0, 0.0], 100, 2) == [2, 2]
    for spawn in ([10, 10, 10], [60, 50, 2], [2, 2, 2]):
        out = adjust_exact(spawn, 50, 2)
        assert sum(out) == 50 and min(out) >= 2
    assert sum(spawn_smoothed([0.2, 0.8], [25, 25], 50, 2)) in range(48, 53)
    with pytest.raises(ValueError, match="min_species_size"):
        adjust_exact([1, 1, 1], 5, 2)


def test_skim_allotment_carries_fractions_and_lets_weak_species_die():
    # shares 10/3 each of 10: the three carried thirds sum to just under 1 in floating point, so the one left
    # over goes to the largest share (the first of equals), as in the reference
    assert spawn_skim([1.0, 1.0, 1.0], 10) == [4, 3, 3]
    out = spawn_skim([0.01, 5.0, 4.0], 150)
    assert out[0] == 0 and sum(out) == 150 and out[1] > out[2]  # a weak species gets none
    assert spawn_skim([0.0, 0.0], 7) == [7, 0]
    # the reference by hand: 150 * (2, 1.5, 0.5) / 4 = 75, 56.25, 18.75 -> 75, 56, 18 + carried 1 = 19
    assert spawn_skim([2.0, 1.5, 0.5], 150) == [75, 56, 19]


def test_champion_speciation_places_each_genome_in_the_first_close_species():
    config = cfg(species_representative="champion", compatibility_threshold=0.5, compatibility_mode="paper",
                 compatibility_weight_coefficient=1.0)
    base = {(-1, 0): (0, 0.0, True), (-2, 0): (1, 0.0, True)}
    def g(w):
        return genome({k: (i, w, e) for k, (i, _, e) in base.items()})
    s = SpeciesSet(config)
    s.speciate([g(0.0), g(2.0)], 0)  # two species: 1 (rep w=0), 2 (rep w=2)
    assert [sp.members for sp in s.species.values()] == [[0], [1]]
    # w=0.4 is within 0.5 of species 1 only; w=1.8 of species 2; w=0.3 joins 1 (first close), w=5 founds 3,
    # w=5.2 joins the founder of 3
    pop = [g(0.4), g(1.8), g(0.3), g(5.0), g(5.2)]
    s.speciate(pop, 1)
    assert {k: sp.members for k, sp in s.species.items()} == {1: [0, 2], 2: [1], 3: [3, 4]}
    assert all(sp.representative is pop[sp.members[0]] for sp in s.species.values())


def test_neat1_split_choice_favours_old_genes_in_small_genomes():
    from neuroevo.strategies.neat.genome import _neat1_split_choice

    conns = {(-1, 0): (0, 1.0, False), (-2, 0): (1, 1.0, True), (-3, 0): (2, 1.0, True)}
    picks = [_neat1_split_choice(genome(conns), np.random.default_rng(i)) for i in range(2000)]
    counts = {k: picks.count(k) for k in [(-2, 0), (-3, 0), None]}
    # first enabled gene (innovation 1) 70%, the next 0.3 * 0.7 = 21%, past the end 9%: nothing split
    assert abs(counts[(-2, 0)] / 2000 - 0.7) < 0.04 and abs(counts[(-3, 0)] / 2000 - 0.21) < 0.03
    assert abs(counts[None] / 2000 - 0.09) < 0.02


def test_neat1_weight_mutation_perturbs_within_power_and_clamps():
    from neuroevo.strategies.neat.genome import _mutate_weights_neat1

    config = paper_config(num_inputs=2, num_outputs=1)
    conns = {(-1, 0): (0, 7.9, True), (-2, 0): (1, -1.0, True)}
    changed = 0
    for i in range(300):
        g = genome(conns)
        _mutate_weights_neat1(g, config, np.random.default_rng(i))
        w = np.array([c[1] for c in g.conns.values()] + [n[0] for n in g.nodes.values()])
        # each value kept, perturbed by at most 2.5 or replaced by a value in +-2.5; all within +-8
        assert np.all(np.abs(w) <= 8.0) and (abs(w[1] + 1.0) <= 2.5 or abs(w[1]) <= 2.5) and abs(w[2]) <= 2.5
        changed += w[0] != 7.9
    assert changed > 250  # perturbed nearly always (kept only by 10% of the severe half)


def xor_fitness(neat):
    from neuroevo.strategies.neat import population_outputs

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    out = population_outputs(neat.ask(), X)[:, :, 0]
    return 4.0 - ((out - np.array([0, 1, 1, 0])) ** 2).sum(1), out


def test_neat_solves_xor_with_the_papers_settings():
    neat = NEAT(paper_config(), seed=3, n_in=2, n_out=1)
    for _ in range(150):
        f, out = xor_fitness(neat)
        if np.any(np.all((out > 0.5) == np.array([0, 1, 1, 0], bool), axis=1)):
            break
        neat.tell(f)
    else:
        pytest.fail("XOR not solved in 150 generations")
    assert len(neat.population) == 150 and any(len(g.nodes) > 1 for g in neat.population)


def test_resume_from_arrays_and_json_continues_exactly(tmp_path):
    def run(neat, gens):
        for _ in range(gens):
            neat.tell(xor_fitness(neat)[0])

    a = NEAT(paper_config(pop_size=40), seed=5, n_in=2, n_out=1)
    run(a, 12)
    arrays, meta = a.state()
    np.savez(tmp_path / "s.npz", **arrays)
    meta = json.loads(json.dumps(meta))
    with np.load(tmp_path / "s.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    b = NEAT(paper_config(pop_size=40), seed=99, n_in=2, n_out=1)
    b.restore(arrays, meta)
    run(a, 8)
    run(b, 8)
    sa, sb = a.state(), b.state()
    assert sa[1] == sb[1]
    for k in sa[0]:
        np.testing.assert_array_equal(sa[0][k], sb[0][k], err_msg=k)


def test_one_seed_one_result_and_seeds_differ():
    def final(seed):
        n = NEAT(paper_config(pop_size=30), seed=seed, n_in=2, n_out=1)
        for _ in range(5):
            n.tell(xor_fitness(n)[0])
        return n.state()[0]["pop_conn_weight"]

    np.testing.assert_array_equal(final(1), final(1))
    assert not np.array_equal(final(1), final(2))


def test_tell_rejects_bad_fitness():
    n = NEAT(paper_config(pop_size=10), seed=0, n_in=2, n_out=1)
    with pytest.raises(FitnessError, match="genome 3"):
        n.tell(np.r_[np.zeros(3), np.nan, np.zeros(6)])
    with pytest.raises(FitnessError, match="10 fitness values"):
        n.tell(np.zeros(9))


def test_recurrent_genomes_grow_cycles_and_feed_forward_never():
    ff = grown(cfg(conn_add_prob=0.9, node_add_prob=0.3), generations=25)
    rec = grown(cfg(feed_forward=False, conn_add_prob=0.9, node_add_prob=0.3), generations=25)
    assert not any(a == b for g in ff for (a, b) in g.conns)
    assert any(a == b or (b, a) in g.conns for g in rec for (a, b) in g.conns)
    with pytest.raises(ConfigError):
        cfg(feed_forward="maybe")
