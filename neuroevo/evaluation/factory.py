"""Building the task and the evaluator of a run from its configuration."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

from neuroevo.config import BACKENDS, Config
from neuroevo.errors import TaskError
from neuroevo.evaluation.base import Evaluator
from neuroevo.evaluation.env_task import EnvTask, make_env
from neuroevo.evaluation.pool import ProcessPoolEvaluator
from neuroevo.evaluation.registry import KERNELS, resolve_env_id
from neuroevo.evaluation.serial import SerialEvaluator
from neuroevo.evaluation.tasks import FunctionTask, KernelTask, Task
from neuroevo.network import NetworkSpec
from neuroevo.policy import is_discrete, n_inputs, n_outputs


def load_fitness(ref: str) -> Callable[..., Any]:
    """The function named by ``"module:function"`` or ``"path/to/file.py:function"``.

    Raises:
        TaskError: if the module or file does not exist, fails to import, or lacks a callable of that name.
    """
    target, _, name = ref.rpartition(":")
    if not target or not name:
        raise TaskError(f"--fitness must be MODULE:FN or path/to/file.py:FN, got {ref!r}")
    try:
        if target.endswith(".py") or os.sep in target:
            path = Path(target)
            if not path.is_file():
                raise TaskError(f"fitness file {path} does not exist")
            spec = importlib.util.spec_from_file_location(f"neuroevo_user_{path.stem}", path)
            if spec is None or spec.loader is None:  # a suffix Python does not import
                raise TaskError(f"fitness file {path} is not a Python file; give path/to/file.py:FN")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(target)
    except TaskError:
        raise
    except ModuleNotFoundError as e:
        raise TaskError(f"fitness module {target!r} not found ({e}); give MODULE:FN importable from the "
                        f"current folder, or path/to/file.py:FN") from None
    except Exception as e:
        raise TaskError(f"importing the fitness module {target!r} failed: {type(e).__name__}: {e}") from None
    except SystemExit as e:
        raise TaskError(f"importing the fitness module {target!r} called sys.exit({e.code!r})") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise TaskError(f"{target} has no function {name!r}")
    return fn


def spec_for_env(env: gym.Env, hidden: Sequence[int], activation: str = "tanh", output_activation: str = "auto",
                 recurrent: bool | Sequence[bool] = False, dtype: str = "float64") -> NetworkSpec:
    """The network for an env's spaces: ``n_inputs(obs) -> hidden... -> n_outputs(action)``.

    ``recurrent``: True for Elman recurrent hidden layers, or one flag per hidden layer. ``dtype``: the
    precision of the forward pass (``NetworkSpec``).

    ``output_activation="auto"`` is linear for Discrete actions and tanh for Box actions (``neuroevo.policy``).

    Raises:
        TaskError: if the action space is neither Discrete nor a bounded Box.
        ConfigError: on bad sizes or activation names.
    """
    if output_activation == "auto":
        output_activation = "linear" if is_discrete(env.action_space) else "tanh"
    return NetworkSpec.build(n_inputs(env.observation_space), tuple(hidden), n_outputs(env.action_space),
                             activation, output_activation, recurrent, dtype)


def _kernel_accepts(kernel: str, env_kwargs: dict) -> bool:
    module, _, name = kernel.partition(":")
    params = inspect.signature(getattr(importlib.import_module(module), name)).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return True
    return set(env_kwargs) <= {p.name for p in params}


def task_for_env(env_id: str, spec: NetworkSpec, env_kwargs: dict | None = None) -> Task:
    """How genomes are scored on ``env_id``: its population kernel when it has one that takes every keyword
    of ``env_kwargs``, else the Gymnasium env loop (:class:`EnvTask`); both give the same fitness."""
    env_id, env_kwargs = resolve_env_id(env_id), dict(env_kwargs or {})
    kernel = KERNELS.get(env_id)
    if kernel is not None and _kernel_accepts(kernel, env_kwargs):
        return KernelTask(env_id, spec, kernel, env_kwargs)
    return EnvTask(env_id, spec, env_kwargs)


def make_task(config: Config) -> Task:
    """The task of a config: a user fitness, a built-in kernel (used automatically for its env id), or an env.

    Raises:
        TaskError: unknown env id, unsupported spaces, missing fitness module or function.
    """
    t, net = config.task, config.network
    if t.fitness:
        fn = load_fitness(t.fitness)
        sizes = t.network or [t.inputs, *net.hidden, t.outputs]
        out_act = "linear" if net.output_activation == "auto" else net.output_activation
        flags = net.recurrent_flags() if not t.network else (bool(net.recurrent),) * (len(sizes) - 2)
        spec = NetworkSpec(tuple(sizes), (net.activation,) * (len(sizes) - 2) + (out_act,), (*flags, False),
                           net.dtype)
        return FunctionTask(fn, spec)
    env = make_env(t.env, t.env_kwargs)
    spec = spec_for_env(env, net.hidden, net.activation, net.output_activation, net.recurrent_flags(), net.dtype)
    env.close()
    return task_for_env(t.env, spec, t.env_kwargs)


def make_evaluator(task: Task, workers: int = 0, backend: str = "auto", *, address: str = "",
                   eval_timeout: float = 0.0, max_retries: int = 2) -> Evaluator:
    """The :class:`~neuroevo.evaluation.base.Evaluator` for a backend (a context manager owning its workers
    for the run). The only place that knows the backends' classes.

    Args:
        task: what is scored.
        workers: worker processes (0: one per core, or per CPU of the Ray cluster).
        backend: ``"serial"``, ``"process"`` (forked pool), ``"ray"``, or ``"auto"`` (serial for
            ``workers == 1``, else process).
        address: Ray cluster to join (``"auto"``, ``"HOST:PORT"``; ``""`` starts a local one).
        eval_timeout: seconds a generation's evaluation may take (0: no limit; serial: main thread only).
        max_retries: retries of a chunk whose worker died (process and ray backends).

    Raises:
        ConfigError: an unknown backend, or Ray not installed.
    """
    from neuroevo.errors import ConfigError

    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if backend == "ray":
        from neuroevo.evaluation.ray_backend import RayEvaluator

        return RayEvaluator(task, workers, address, eval_timeout=eval_timeout, max_retries=max_retries)
    workers = int(workers) or (os.cpu_count() or 1)
    if backend == "serial" or (backend == "auto" and workers == 1):
        return SerialEvaluator(task, eval_timeout=eval_timeout)
    return ProcessPoolEvaluator(task, workers, eval_timeout=eval_timeout, max_retries=max_retries)
