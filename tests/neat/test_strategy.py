"""NEAT behind the Strategy seam, neat-python INI configs, the CLI, resume and saved agents.

``tests/fixtures/neat-python-xor-config-feedforward`` is neat-python's ``examples/xor/config-feedforward``
byte for byte (BSD-3-Clause, (c) CodeReclaimers, LLC).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroevo.agent import load_agent
from neuroevo.config import resolve
from neuroevo.errors import ConfigError
from neuroevo.strategies.neat import read_ini
from neuroevo.strategies.neat.batch import NEATGenomes
from neuroevo.strategies.registry import make_strategy

FIXTURES = Path(__file__).parent.parent / "fixtures"
XOR_INI = FIXTURES / "neat-python-xor-config-feedforward"
FITNESS = f"{FIXTURES / 'neat_fns.py'}"


def test_neat_pythons_xor_config_maps_every_key():
    c = read_ini(XOR_INI)
    assert (c.neat.pop_size, c.neat.fitness_threshold, c.genome.num_inputs, c.genome.num_outputs) == (150, 3.9, 2, 1)
    assert (c.genome.conn_add_prob, c.genome.node_delete_prob, c.genome.weight_replace_rate) == (0.5, 0.2, 0.1)
    assert (c.species.compatibility_threshold, c.stagnation.max_stagnation, c.reproduction.min_species_size) == \
        (3.0, 20, 2)
    assert c.initial_connection_kind == "full_direct" and c.activation_options() == ["sigmoid"]


@pytest.mark.parametrize("edit, message", [
    ("[DefaultGenome]\nnum_inputs = 2\nmystery_key = 1", "unsupported key 'mystery_key' in \\[DefaultGenome\\]"),
    ("[DefaultGenome]\ncompatibility_threshold = 2", "it belongs in \\[DefaultSpeciesSet\\]"),
    ("[DefaultGenome]\nactivation_options = sigmoid warp", "activation_options = sigmoid warp"),
    ("[NEAT]\nfitness_criterion = min", "fitness_criterion = min"),
    ("[DefaultGenome]\nfeed_forward = perhaps", "feed_forward = 'perhaps'"),
    ("[IZGenome]\nfoo = 1", "unsupported section \\[IZGenome\\]"),
    ("[DefaultGenome]\ntime_constant_mutate_rate = 0.5", "CTRNN"),
])
def test_unsupported_or_bad_keys_are_refused_in_one_line(tmp_path, edit, message):
    text = XOR_INI.read_text()
    section, _, line = edit.partition("\n")
    if section == "[IZGenome]":
        text += "\n" + edit + "\n"
    else:
        key = line.split("=")[0].strip()
        lines = [ln for ln in text.splitlines() if ln.split("=")[0].strip() != key or "=" not in ln]
        text = "\n".join(lines).replace(section, edit.split("\n", 1)[0] + "\n" + edit.split("\n", 1)[1], 1)
    path = tmp_path / "cfg"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as e:
        read_ini(path)
    assert "\n" not in str(e.value)


def test_toml_takes_the_same_keys_flat(tmp_path):
    toml = tmp_path / "run.toml"
    toml.write_text('[run]\nalgorithm = "neat"\n[task]\nfitness = "x.py:f"\ninputs = 2\noutputs = 1\n'
                    '[neat]\npopulation = 40\nconn_add_prob = 0.25\nactivation_options = "sigmoid tanh"\n'
                    'target_num_species = "5"\n')
    c = resolve(str(toml)).strategy.neat_config_object()
    assert (c.neat.pop_size, c.genome.conn_add_prob, c.activation_options(), c.target_species) == \
        (40, 0.25, ["sigmoid", "tanh"], 5)
    toml.write_text('[run]\nalgorithm = "neat"\n[neat]\nconn_add_probability = 0.25\n')
    with pytest.raises(ConfigError, match="conn_add_probability"):
        resolve(str(toml))


def test_neat_config_file_fills_sizes_target_and_lets_flags_win():
    flags = {"run": {"algorithm": "neat"}, "task": {"fitness": f"{FITNESS}:xor"},
             "strategy": {"neat_config": str(XOR_INI), "population": 60}}
    config = resolve(flags=flags)
    assert (config.task.inputs, config.task.outputs, config.run.target) == (2, 1, 3.9)
    s = config.strategy
    assert (s.population, s.conn_add_prob, s.compatibility_threshold, s.neat_config) == (60, 0.5, 3.0, "")


def _strategy(seed=0, **neat):
    flags = {"run": {"algorithm": "neat", "seed": seed}, "task": {"fitness": f"{FITNESS}:xor"},
             "strategy": {"neat_config": str(XOR_INI), **neat}}
    config = resolve(flags=flags)
    from neuroevo.evaluation.factory import make_task

    task = make_task(config)
    return make_strategy(config, task.spec), task


def test_strategy_ask_tell_state_restore_exactly():
    a, task = _strategy(population=30)
    seeds = np.zeros(1, np.int64)
    for _ in range(4):
        a.tell(task.evaluate(a.ask(), seeds)[0])
    arrays, meta = a.state()
    meta = json.loads(json.dumps(meta))
    b, _ = _strategy(seed=7, population=30)
    b.restore(arrays, meta)
    for s in (a, b):
        for _ in range(3):
            s.tell(task.evaluate(s.ask(), seeds)[0])
    (xa, ma), (xb, mb) = a.state(), b.state()
    assert ma == mb and xa.keys() == xb.keys()
    for k in xa:
        np.testing.assert_array_equal(xa[k], xb[k], err_msg=k)
    assert isinstance(a.best_genome, NEATGenomes) and len(a.best_genome) == 1


def test_batch_fitness_gives_the_per_network_fitness():
    s, task = _strategy(population=25)
    from neuroevo.evaluation.tasks import FunctionTask
    from tests.fixtures.neat_fns import xor, xor_batch

    genomes = s.ask()
    per = FunctionTask(xor, task.spec).evaluate(genomes, np.zeros(1))[0]
    batch = FunctionTask(xor_batch, task.spec).evaluate(genomes, np.zeros(1))[0]
    np.testing.assert_allclose(per, batch, rtol=1e-12)
    np.testing.assert_array_equal(batch, FunctionTask(xor_batch, task.spec).evaluate(genomes[5:9], None)[0]
                                  if False else batch)
    chunks = np.concatenate([FunctionTask(xor_batch, task.spec).evaluate(genomes[i:i + 7], np.zeros(1))[0]
                             for i in range(0, 25, 7)])
    np.testing.assert_array_equal(chunks, batch)


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neuroevo.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def test_cli_runs_neat_pythons_xor_config_unchanged_and_the_agent_loads(tmp_path):
    out = tmp_path / "run"
    r = _cli("evolve", "--algorithm", "neat", "--neat-config", str(XOR_INI), "--fitness", f"{FITNESS}:xor_batch",
             "--generations", "150", "--workers", "1", "--out", str(out), "--seed", "1")
    assert r.returncode == 0, r.stderr
    assert "solved" in r.stdout
    agent = load_agent(out)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = agent.network(X)[:, 0]
    assert 4 - ((y - [0, 1, 1, 0]) ** 2).sum() >= 3.9
    assert json.loads((out / "best.json").read_text())["genome_type"] == "neat"


def test_cli_resume_and_workers_give_the_uninterrupted_result(tmp_path):
    common = ["--algorithm", "neat", "--neat-config", str(XOR_INI), "--fitness", f"{FITNESS}:xor",
              "--population", "40", "--target", "100"]
    full, part = tmp_path / "full", tmp_path / "part"
    assert _cli("evolve", *common, "--generations", "8", "--workers", "1", "--out", str(full)).returncode == 0
    assert _cli("evolve", *common, "--generations", "4", "--workers", "2", "--out", str(part)).returncode == 0
    r = _cli("evolve", "--resume", str(part), "--generations", "8")
    assert r.returncode == 0, r.stderr
    assert (full / "history.csv").read_text().splitlines()[-1].split(",")[:5] == \
        (part / "history.csv").read_text().splitlines()[-1].split(",")[:5]
    with np.load(full / "best.npz") as a, np.load(part / "best.npz") as b:
        for k in a.files:
            np.testing.assert_array_equal(a[k], b[k])


def test_cli_refuses_a_bad_neat_config_in_one_line(tmp_path):
    bad = tmp_path / "cfg"
    bad.write_text(XOR_INI.read_text().replace("conn_add_prob", "conn_add_chance"))
    r = _cli("evolve", "--algorithm", "neat", "--neat-config", str(bad), "--fitness", f"{FITNESS}:xor")
    assert r.returncode == 2 and "conn_add_chance" in r.stderr and "Traceback" not in r.stderr


def test_show_draws_topology_and_species(tmp_path):
    from neuroevo.strategies.neat.genome import Genome
    from neuroevo.strategies.neat.show import layers

    g = Genome(0, {0: [0, 1, 0, 0], 5: [0, 1, 0, 0], 6: [0, 1, 0, 0]},
               {(-1, 5): [0, 1.0, True], (5, 6): [1, -1.0, True], (6, 0): [2, 1.0, True], (-2, 0): [3, 1.0, False],
                (6, 5): [4, 0.5, True]})
    assert layers(g, 2, 1) == {-1: 0, -2: 0, 5: 1, 6: 2, 0: 3}
    out = tmp_path / "run"
    r = _cli("evolve", "--algorithm", "neat", "--neat-config", str(XOR_INI), "--fitness", f"{FITNESS}:xor_batch",
             "--generations", "6", "--population", "40", "--workers", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = _cli("show", str(out))
    assert r.returncode == 0, r.stderr
    from PIL import Image

    for name in ("topology.png", "species.png"):
        im = np.asarray(Image.open(out / name).convert("L"))
        assert im.shape[0] > 300 and (im < 128).mean() > 0.005  # drawn, not blank
    r = _cli("show", str(tmp_path / "nothing"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_neat_on_a_kernel_game_scores_like_the_env_loop(tmp_path):
    from neuroevo.evaluation.env_task import EnvTask
    from neuroevo.evaluation.factory import make_task

    config = resolve(flags={"run": {"algorithm": "neat"}, "task": {"env": "CartPole-v1"},
                            "strategy": {"population": 12}})
    task = make_task(config)
    s = make_strategy(config, task.spec)
    genomes, seeds = s.ask(), np.array([3, 4])
    f, steps = task.evaluate(genomes, seeds)
    g, steps2 = EnvTask("CartPole-v1", task.spec).evaluate(genomes, seeds)
    np.testing.assert_array_equal(f, g)
    assert steps == steps2 > 0 and f.shape == (12,)
