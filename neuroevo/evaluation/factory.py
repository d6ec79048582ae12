"""Building the task and the evaluator of a run from its configuration."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import gymnasium as gym

from neuroevo.config import Config
from neuroevo.errors import TaskError
from neuroevo.evaluation.env_task import EnvTask, make_env
from neuroevo.evaluation.pool import ProcessPoolEvaluator
from neuroevo.evaluation.registry import KERNELS, resolve_env_id
from neuroevo.evaluation.serial import SerialEvaluator
from neuroevo.evaluation.tasks import FunctionTask, KernelTask, Task
from neuroevo.network import NetworkSpec
from neuroevo.policy import is_discrete, n_inputs, n_outputs


def load_fitness(ref: str):
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
    fn = getattr(module, name, None)
    if not callable(fn):
        raise TaskError(f"{target} has no function {name!r}")
    return fn


def env_spec(env: gym.Env, config: Config) -> NetworkSpec:
    """The network spec for an env's spaces and the [network] config."""
    net = config.network
    out_act = net.output_activation
    if out_act == "auto":
        out_act = "linear" if is_discrete(env.action_space) else "tanh"
    return NetworkSpec.build(n_inputs(env.observation_space), net.hidden, n_outputs(env.action_space),
                             net.activation, out_act)


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
        spec = NetworkSpec(tuple(sizes), (net.activation,) * (len(sizes) - 2) + (out_act,))
        return FunctionTask(fn, spec)
    env = make_env(t.env, t.env_kwargs)
    spec = env_spec(env, config)
    env.close()
    env_id = resolve_env_id(t.env)
    if env_id in KERNELS:
        return KernelTask(env_id, spec, KERNELS[env_id], t.env_kwargs)
    return EnvTask(env_id, spec, t.env_kwargs)


def make_evaluator(task: Task, workers: int = 0, backend: str = "auto", *, address: str = "",
                   eval_timeout: float = 0.0, max_retries: int = 2):
    """The evaluator for a backend; a context manager owning its workers for the run.

    Args:
        task: what is scored.
        workers: worker processes (0: one per core, or per CPU of the Ray cluster).
        backend: ``"serial"``, ``"process"`` (forked pool), ``"ray"``, or ``"auto"`` (serial for
            ``workers == 1``, else process).
        address: Ray cluster to join (``"auto"``, ``"HOST:PORT"``; ``""`` starts a local one).
        eval_timeout: seconds a generation's evaluation may take (0: no limit; process and ray backends).
        max_retries: retries of a chunk whose worker died (process and ray backends).

    Raises:
        ConfigError: an unknown backend, or Ray not installed.
    """
    from neuroevo.errors import ConfigError

    if backend not in ("auto", "serial", "process", "ray"):
        raise ConfigError(f"unknown backend {backend!r}; choose from auto, serial, process, ray")
    if backend == "ray":
        from neuroevo.evaluation.ray_backend import RayEvaluator

        return RayEvaluator(task, workers, address, eval_timeout=eval_timeout, max_retries=max_retries)
    workers = int(workers) or (os.cpu_count() or 1)
    if backend == "serial" or (backend == "auto" and workers == 1):
        return SerialEvaluator(task)
    return ProcessPoolEvaluator(task, workers, eval_timeout=eval_timeout, max_retries=max_retries)
