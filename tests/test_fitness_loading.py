"""--fitness path/to/FILE:FN where FILE is not a .py file (found by mypy: an unchecked ModuleSpec | None)."""

import pytest

from neuroevo.errors import TaskError
from neuroevo.evaluation.factory import load_fitness


def test_a_fitness_file_python_cannot_import_is_a_one_line_error(tmp_path):
    (tmp_path / "fitness").write_text("def f(net):\n    return 1.0\n")
    with pytest.raises(TaskError) as e:
        load_fitness(f"{tmp_path / 'fitness'}:f")
    assert str(e.value) == f"fitness file {tmp_path / 'fitness'} is not a Python file; give path/to/file.py:FN"


def test_the_same_file_as_fitness_py_loads(tmp_path):
    (tmp_path / "fitness.py").write_text("def f(net):\n    return 1.0\n")
    assert load_fitness(f"{tmp_path / 'fitness.py'}:f")(None) == 1.0
