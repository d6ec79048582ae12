"""float32 networks (``NetworkSpec(dtype="float32")``, ``--dtype float32``): the forward pass in float32 in
every kernel, the env loop and ``Network``, against a plain-NumPy float32 reference; genomes stay float64."""

import json
import subprocess
import sys

import gymnasium as gym
import numba
import numpy as np
import pytest

from games.cartpole.kernel import population_returns
from games.classic_control.kernel import population_episodes
from neuroevo.errors import ConfigError
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.network import Network, NetworkSpec, forward
from neuroevo.networks.activations import activate_any, exp32

F32 = NetworkSpec.build(4, [16], 2, dtype="float32")
F64 = NetworkSpec.build(4, [16], 2)


@numba.njit(cache=True)
def _exp32_all(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = exp32(x[i])
    return out


@numba.njit(cache=True)
def _activate_all(x, code):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = activate_any(x[i], code)
    return out


def test_exp32_is_within_one_ulp_of_exp():
    x = np.linspace(-87.0, 88.0, 400_001).astype(np.float32)
    y = _exp32_all(x)
    assert y.dtype == np.float32
    exact = np.exp(x.astype(np.float64))
    ulps = np.abs(y.astype(np.float64) - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert ulps.max() <= 1.0
    assert _exp32_all(np.array([-200.0, 200.0], dtype=np.float32)).tolist() == pytest.approx(
        [np.exp(np.float32(-87.0)), np.exp(np.float32(88.0))], rel=1e-6)  # clamped, never inf or 0


@pytest.mark.parametrize("code, ref", [(1, np.tanh), (2, lambda z: 1 / (1 + np.exp(-z))),
                                       (3, lambda z: np.maximum(z, 0)), (4, lambda z: z / (1 + np.abs(z)))])
def test_float32_activations_stay_float32_and_match_numpy(code, ref):
    z = np.linspace(-30, 30, 10_001).astype(np.float32)
    y = _activate_all(z, code)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref(z.astype(np.float64)), rtol=1e-6, atol=2e-7)
    y64 = _activate_all(z.astype(np.float64), code)  # a float64 argument keeps the float64 activation
    assert y64.dtype == np.float64


def _naive_float32(spec, genome, x):
    """The layers in plain NumPy float32 (matmul, np.tanh), the reference for the float32 forward pass."""
    g = genome.astype(np.float32)
    h, off = x.astype(np.float32), 0
    for (n_in, n_out), act in zip(zip(spec.sizes[:-1], spec.sizes[1:]), spec.activations):
        w = g[off: off + n_in * n_out].reshape(n_in, n_out)
        b = g[off + n_in * n_out: off + n_in * n_out + n_out]
        h = h @ w + b
        h = np.tanh(h) if act == "tanh" else h
        assert h.dtype == np.float32
        off += n_in * n_out + n_out
    return h


def test_forward_matches_a_numpy_float32_reference_and_differs_from_float64():
    rng = np.random.default_rng(0)
    genomes = F32.init_genomes(rng, 50) * 3.0
    obs = rng.normal(size=(50, 4))
    y32 = forward(F32, genomes, obs)
    assert y32.dtype == np.float64  # outputs are widened for the caller, exactly
    want = np.stack([_naive_float32(F32, g, o) for g, o in zip(genomes, obs)])
    np.testing.assert_allclose(y32, want, rtol=2e-5, atol=2e-6)
    assert np.array_equal(y32, y32.astype(np.float32))  # every output is a float32 value
    y64 = forward(F64, genomes, obs)
    assert not np.array_equal(y32, y64) and np.allclose(y32, y64, atol=1e-4)


def test_kernel_returns_equal_the_env_loop_in_float32():
    """The lane kernel and the Gymnasium loop run the float32 network with the same operations in the
    same order: every episode ends on the same step."""
    genomes = F32.init_genomes(np.random.default_rng(5), 24) * 3.0
    seeds = [0, 7, 11]
    returns, _ = population_returns(F32, genomes, seeds)
    loop = EnvTask("CartPole-v1", F32)
    for p, g in enumerate(genomes):
        for k, seed in enumerate(seeds):
            assert returns[p, k] == loop.episode(g, seed)[0], (p, seed)
    assert len(set(returns.ravel())) > 3


@pytest.mark.parametrize("env_id", ["Acrobot-v1", "Pendulum-v1"])
def test_recurrent_float32_classic_control_kernel_equals_the_env_loop(env_id):
    env = gym.make(env_id)
    n_in = env.observation_space.shape[0]
    n_out = env.action_space.n if hasattr(env.action_space, "n") else 1
    spec = NetworkSpec.build(n_in, [4], n_out, output_activation="tanh" if n_out == 1 else "linear",
                             recurrent=True, dtype="float32")
    genomes = spec.init_genomes(np.random.default_rng(2), 6) * 3.0
    returns, lengths = population_episodes(env_id, spec, genomes, [3, 4])
    task = EnvTask(env_id, spec)
    for p, g in enumerate(genomes):
        for k, seed in enumerate((3, 4)):
            r, n, _ = task.episode(g, seed)
            assert (returns[p, k], lengths[p, k]) == (r, n), (p, seed)


def test_float32_is_stored_and_validated():
    assert NetworkSpec.from_dict(F32.to_dict()) == F32
    assert "dtype" not in F64.to_dict()  # float64 files keep their format
    assert F32.program(np.zeros((2, F32.n_params))).params.dtype == np.float32
    assert F64.program(np.zeros((2, F64.n_params))).params.dtype == np.float64
    with pytest.raises(ConfigError, match="unknown network dtype 'float16'"):
        NetworkSpec((2, 1), ("tanh",), dtype="float16")


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "neuroevo", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_cli_float32_run_saves_float64_genomes_and_evaluates_the_same(tmp_path):
    r = _cli("evolve", "--env", "CartPole-v1", "--dtype", "float32", "--generations", "2", "--population", "20",
             "--out", "run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path / "run" / "best.json").read_text())
    assert meta["spec"]["dtype"] == "float32"
    with np.load(tmp_path / "run" / "best.npz") as f:
        assert all(f[k].dtype != np.float32 for k in f.files)  # genomes stay float64 on disk
    assert 'dtype = "float32"' in (tmp_path / "run" / "config.toml").read_text()
    e = _cli("evaluate", "run", "--episodes", "3", cwd=tmp_path)
    assert e.returncode == 0, e.stderr


def test_cli_refuses_an_unknown_dtype_in_one_line(tmp_path):
    r = _cli("evolve", "--env", "CartPole-v1", "--dtype", "float16", "--out", "run", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["neuroevo: error: unknown --dtype 'float16'; choose from float64, float32"]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("env_id", ["neuroevo/FlappyBird-v0", "neuroevo/CarTrack-v0"])
def test_float32_game_kernels_equal_the_env_loop(env_id):
    """The built-in games' lane kernels run a float32 network as their envs' loop does: same fitness."""
    from neuroevo.evaluation.factory import spec_for_env, task_for_env
    from neuroevo.evaluation.tasks import KernelTask

    env = gym.make(env_id)
    spec = spec_for_env(env, [6], dtype="float32")
    env.close()
    kernel = task_for_env(env_id, spec)
    assert isinstance(kernel, KernelTask)
    genomes = spec.init_genomes(np.random.default_rng(4), 6) * 2.0
    fit, _ = kernel.evaluate(genomes, np.array([1, 2]))
    loop, _ = EnvTask(env_id, spec).evaluate(genomes, np.array([1, 2]))
    np.testing.assert_array_equal(fit, loop)
