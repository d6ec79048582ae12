import numpy as np
import pytest

from neuroevo.baselines import backprop
from neuroevo.baselines.datasets import load_dataset
from neuroevo.errors import ConfigError, TaskError
from neuroevo.network import NetworkSpec, forward
from tests.baselines.naive_autodiff import numeric_gradient


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_reaches_full_accuracy(seed):
    result = backprop.train("xor", seed=seed)
    assert result.solved and result.best_eval == 1.0
    x, t = load_dataset("xor")
    assert np.all((forward(result.spec, result.genome, x)[:, 0] > 0.5) == (t[:, 0] > 0.5))


@pytest.mark.parametrize("config", [backprop.BackpropConfig(loss="cross_entropy", hidden=[4]),
                                    backprop.BackpropConfig(optimizer="sgd", learning_rate=0.1, hidden=[4])])
def test_xor_with_cross_entropy_and_with_sgd(config):
    assert backprop.train("xor", config, seed=0).solved


def test_sin_mse_below_1e_3_on_a_finer_grid():
    result = backprop.train("sin", seed=0)
    assert result.solved and result.threshold == -1e-3
    x = np.linspace(-np.pi, np.pi, 1001)[:, None]
    assert np.mean((forward(result.spec, result.genome, x)[:, 0] - np.sin(x[:, 0])) ** 2) < 1e-3


def test_mse_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    out, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    _, grad = backprop.loss_and_grad(out, t, "mse")
    num = numeric_gradient(lambda o: backprop.loss_and_grad(o.reshape(5, 3), t, "mse")[0], out.ravel())
    np.testing.assert_allclose(grad.ravel(), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_out", [1, 3])
def test_cross_entropy_matches_its_definition_and_finite_differences(n_out):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, n_out)) * 3
    if n_out == 1:
        t = rng.integers(0, 2, (6, 1)).astype(float)
        p = 1 / (1 + np.exp(-z))
        expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    else:
        t = np.eye(3)[rng.integers(0, 3, 6)]
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        expected = -np.mean(np.log(p[t > 0]))
    loss, grad = backprop.loss_and_grad(z, t, "cross_entropy")
    assert loss == pytest.approx(expected, rel=1e-10)
    num = numeric_gradient(lambda o: backprop.loss_and_grad(o.reshape(z.shape), t, "cross_entropy")[0], z.ravel())
    np.testing.assert_allclose(grad.ravel(), num, rtol=1e-6, atol=1e-9)


def test_class_indices_become_one_hot_and_train(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 2))
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)  # 3 classes
    path = tmp_path / "data.npz"
    np.savez(path, inputs=x, targets=labels)
    cfg = backprop.BackpropConfig(loss="cross_entropy", epochs=300, batch_size=16, target_loss=0.2)
    result = backprop.train(str(path), cfg, seed=0)
    assert result.spec.sizes == (2, 16, 3) and result.env_id is None
    assert result.curve[-1, 4] > 0.9  # accuracy


def test_csv_with_header_and_two_targets(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y1,y2\n0,1,1,0\n1,0,1,0\n1,1,0,1\n")
    x, t = load_dataset(str(path), n_targets=2)
    np.testing.assert_array_equal(x, [[0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(t, [[1, 0], [1, 0], [0, 1]])
    cfg = backprop.BackpropConfig(n_targets=2, epochs=20, log_every=5)
    result = backprop.train(str(path), cfg, seed=0)
    assert result.curve.shape == (4, len(backprop.COLUMNS)) and result.threshold is None


@pytest.mark.parametrize("content,match", [
    ("a,b\n1,x\n", "not all numbers"), ("a,b\n", "no data rows"), ("1,2\n1,2,3\n", "different numbers"),
    ("1\n2\n", "n_targets"),
])
def test_bad_csv_files_raise_task_error(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(TaskError, match=match):
        backprop.train(str(path))


def test_bad_npz_and_missing_files_raise_task_error(tmp_path):
    np.savez(tmp_path / "w.npz", a=np.zeros(3))
    with pytest.raises(TaskError, match="'inputs' and 'targets'"):
        backprop.train(str(tmp_path / "w.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(TaskError, match="cannot read"):
        backprop.train(str(tmp_path / "junk.npz"))
    with pytest.raises(TaskError, match="neither xor nor sin"):
        backprop.train("nope.csv")


def test_misfit_and_bad_settings():
    with pytest.raises(TaskError, match="does not fit"):
        backprop.train("xor", spec=NetworkSpec((3, 1), ("linear",)))
    with pytest.raises(ConfigError, match="logits"):
        backprop.train("xor", backprop.BackpropConfig(loss="cross_entropy", output_activation="sigmoid"))
    with pytest.raises(ConfigError, match="unknown loss"):
        backprop.train("xor", backprop.BackpropConfig(loss="hinge"))
    with pytest.raises(ConfigError, match="diverged"):
        backprop.train("sin", backprop.BackpropConfig(optimizer="sgd", learning_rate=1e3, momentum=0.99))


def test_one_seed_gives_one_result():
    cfg = backprop.BackpropConfig(epochs=50, batch_size=32, stop_at_threshold=False)
    a, b = backprop.train("sin", cfg, seed=3), backprop.train("sin", cfg, seed=3)
    np.testing.assert_array_equal(a.genome, b.genome)
