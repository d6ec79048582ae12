"""Supervised training of a network by backpropagation, on the project's flat genome.

Losses: mean squared error ``mean((y - t)^2)`` (the mean over rows and outputs), and cross-entropy on the
network's outputs read as logits: softmax cross-entropy for several outputs (targets: class indices in one
column, or one-hot / probability rows), sigmoid binary cross-entropy for one output (targets 0/1). Gradients
by :mod:`neuroevo.baselines.autodiff` (Rumelhart, Hinton & Williams 1986); optimisers Adam or SGD with
momentum; mini-batches drawn without replacement each epoch.

Tasks: ``xor`` (solved = 100 % accuracy, outputs thresholded at 0.5 for MSE and at logit 0 for
cross-entropy), ``sin`` (sin(x) on [-pi, pi]; solved = MSE < 1e-3) and user CSV / ``.npz`` files
(:mod:`neuroevo.baselines.datasets`; solved = ``config.target_loss`` reached, if set).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from neuroevo.baselines.autodiff import backward, forward, make_optimizer
from neuroevo.baselines.common import Clock, Curve, TrainRecord, TrainResult, option, positive, seed_streams
from neuroevo.baselines.datasets import load_dataset
from neuroevo.errors import ConfigError, TaskError
from neuroevo.network import NetworkSpec

#: Columns of the learning curve: epoch, examples seen, wall seconds, loss, accuracy (nan unless the
#: targets are classes), score = -loss.
COLUMNS = ("epoch", "examples", "seconds", "loss", "accuracy", "score")
LOSSES = ("mse", "cross_entropy")


@dataclass
class BackpropConfig:
    """Backpropagation settings (defaults fit xor and sin)."""

    epochs: int = option(5_000, "passes over the dataset (the budget)")
    hidden: list = option([16], "hidden layer sizes (when no spec is given)")
    activation: str = option("tanh", "hidden activation (when no spec is given)")
    output_activation: str = option("linear", "output activation (cross-entropy needs linear: outputs are logits)")
    loss: str = option("mse", "'mse' or 'cross_entropy'")
    optimizer: str = option("adam", "'adam' or 'sgd' (with momentum)")
    learning_rate: float = option(1e-2, "optimiser step size")
    momentum: float = option(0.9, "SGD momentum")
    batch_size: int = option(0, "rows per gradient step (0: the whole dataset)")
    n_targets: int = option(1, "CSV files: the last n_targets columns are targets")
    target_loss: float = option(math.nan, "user datasets: solved when the loss falls below this (nan: never)")
    log_every: int = option(10, "epochs between learning-curve rows")
    stop_at_threshold: bool = option(True, "stop once the task is solved")

    def validate(self) -> "BackpropConfig":
        positive(self, "epochs", "learning_rate", "log_every", "n_targets")
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}; choose from {', '.join(LOSSES)}")
        if self.batch_size < 0:
            raise ConfigError(f"batch_size must be >= 0 (0: whole dataset), got {self.batch_size}")
        return self


def loss_and_grad(out: np.ndarray, targets: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """``(loss, dloss/d out)`` for (B, n_out) outputs and targets prepared by :func:`prepare_targets`."""
    n = len(out)
    if loss == "mse":
        diff = out - targets
        return float(np.mean(diff * diff)), 2.0 * diff / diff.size
    if out.shape[1] == 1:  # sigmoid binary cross-entropy on logits, computed stably
        z, t = out[:, 0], targets[:, 0]
        value = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        return float(value), ((p - t) / n)[:, None]
    z = out - out.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.sum(targets * log_p) / n), (np.exp(log_p) - targets) / n


def prepare_targets(targets: np.ndarray, loss: str) -> tuple[np.ndarray, int]:
    """``(targets, n_out)``: class indices in one column become one-hot rows for cross-entropy.

    Raises:
        TaskError: cross-entropy targets that are neither 0/1, class indices, nor probability rows.
    """
    if loss == "mse":
        return targets, targets.shape[1]
    if targets.shape[1] == 1:
        t = targets[:, 0]
        if np.all((t == 0) | (t == 1)):
            return targets, 1
        if np.all((t >= 0) & (t == np.round(t))):
            k = int(t.max()) + 1
            return np.eye(k)[t.astype(np.int64)], k
        raise TaskError("cross-entropy targets must be 0/1, class indices 0..K-1, or probability rows")
    if np.any(targets < 0) or not np.allclose(targets.sum(axis=1), 1.0):
        raise TaskError("cross-entropy target rows must be probabilities (non-negative, summing to 1)")
    return targets, targets.shape[1]


def accuracy(out: np.ndarray, targets: np.ndarray, loss: str) -> float:
    """Fraction right: argmax for several outputs; for one output, threshold 0.5 (mse) or logit 0 (ce)."""
    if out.shape[1] > 1:
        return float(np.mean(np.argmax(out, axis=1) == np.argmax(targets, axis=1)))
    cut = 0.5 if loss == "mse" else 0.0
    return float(np.mean((out[:, 0] > cut) == (targets[:, 0] > 0.5)))


def _solved_check(task: str, cfg: BackpropConfig) -> tuple[str, float | None]:
    """``(metric column, threshold)`` of the task: xor by accuracy, sin by MSE, files by target_loss."""
    if task == "xor":
        return "accuracy", 1.0
    if task == "sin":
        return "score", -1e-3  # score = -loss, maximised
    return "score", None if math.isnan(cfg.target_loss) else -cfg.target_loss


def train(task: str | tuple[np.ndarray, np.ndarray] = "xor", config: BackpropConfig | None = None, seed: int = 0,
          spec: NetworkSpec | None = None, callback: Callable[[TrainRecord], object] | None = None) -> TrainResult:
    """Fit a network to a supervised dataset by backpropagation.

    Args:
        task: "xor", "sin", a CSV / ``.npz`` path, or a tuple ``(inputs (N, n_in), targets (N, n_out))``.
        config: settings (default :class:`BackpropConfig`).
        seed: run seed (>= 0): initial weights and mini-batch order; one seed gives one result.
        spec: the network; default ``n_in -> config.hidden -> n_out``.
        callback: ``fn(TrainRecord)`` called every ``log_every`` epochs (its ``total``: epochs x rows);
            returning False stops training.

    Returns:
        A :class:`TrainResult` with ``env_id`` None, the genome of the best logged row (xor: the first at
        the best accuracy; else the lowest loss), curve columns :data:`COLUMNS` (score = -loss),
        ``env_steps`` = examples seen, and ``threshold`` / ``steps_to_threshold`` (in examples) for the
        task's solved criterion.

    Raises:
        TaskError: unknown task, bad file, or a spec that does not fit the data.
        ConfigError: on an invalid config.
    """
    cfg = config or BackpropConfig()
    cfg.validate()
    x, targets = task if isinstance(task, tuple) else load_dataset(task, cfg.n_targets)
    x, targets = np.asarray(x, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    targets, n_out = prepare_targets(targets, cfg.loss)
    spec = spec or NetworkSpec.build(x.shape[1], tuple(cfg.hidden), n_out, cfg.activation, cfg.output_activation)
    if (spec.n_inputs, spec.n_outputs) != (x.shape[1], n_out):
        raise TaskError(f"network {list(spec.sizes)} does not fit the data: {x.shape[1]} inputs, {n_out} outputs")
    if cfg.loss == "cross_entropy" and spec.activations[-1] != "linear":
        raise ConfigError("cross_entropy reads the outputs as logits: use output_activation 'linear'")
    name = task if isinstance(task, str) else "data"
    metric, threshold = _solved_check(name, cfg)
    (rng,) = seed_streams(seed, 1)
    genome = spec.init_genomes(rng, 1)[0]
    opt_kwargs = {"momentum": cfg.momentum} if cfg.optimizer == "sgd" else {}
    optimizer = make_optimizer(cfg.optimizer, spec.n_params, cfg.learning_rate, **opt_kwargs)
    batch = cfg.batch_size or len(x)
    curve = Curve("backprop", COLUMNS, threshold, cfg.epochs * len(x), callback, metric, "examples")
    clock, seen = Clock(), 0
    classes = cfg.loss == "cross_entropy" or bool(np.all((targets == 0) | (targets == 1)))

    for epoch in range(1, cfg.epochs + 1):
        order = rng.permutation(len(x)) if batch < len(x) else np.arange(len(x))
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
            for lo in range(0, len(x), batch):
                rows = order[lo: lo + batch]
                acts = forward(spec, genome, x[rows])
                _, grad_out = loss_and_grad(acts[-1], targets[rows], cfg.loss)
                optimizer.step(genome, backward(spec, genome, acts, grad_out))
                seen += len(rows)
        if not np.all(np.isfinite(genome)):
            raise ConfigError(f"training diverged at epoch {epoch} (non-finite weights): lower the learning rate")
        if epoch % cfg.log_every == 0 or epoch == cfg.epochs:
            out = forward(spec, genome, x)[-1]
            loss, _ = loss_and_grad(out, targets, cfg.loss)
            acc = accuracy(out, targets, cfg.loss)
            go_on = curve.add(genome, epoch=epoch, examples=seen, seconds=clock.seconds(), loss=loss,
                              accuracy=acc if classes else np.nan, score=-loss)
            if not go_on or (cfg.stop_at_threshold and curve.reached):
                break
    meta = {"seed": seed, "task": name, "config": asdict(cfg)}
    return curve.result(spec, None, {}, seen, clock.seconds(), meta)

