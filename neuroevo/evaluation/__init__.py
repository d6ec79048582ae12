"""Evaluation: tasks (what is scored) and evaluators (where: serial, process pool, Ray; one Evaluator interface)."""

from neuroevo.evaluation.base import Evaluator
from neuroevo.evaluation.env_task import EnvTask
from neuroevo.evaluation.factory import load_fitness, make_env, make_evaluator, make_task
from neuroevo.evaluation.pool import ProcessPoolEvaluator
from neuroevo.evaluation.serial import SerialEvaluator
from neuroevo.evaluation.tasks import FunctionTask, KernelTask, Task, batch_fitness

__all__ = ["Evaluator", "EnvTask", "FunctionTask", "KernelTask", "ProcessPoolEvaluator", "SerialEvaluator", "Task",
           "batch_fitness", "load_fitness", "make_env", "make_evaluator", "make_task"]
