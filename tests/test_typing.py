"""Typing (issue 12, point 5): mypy reports no error over ``neuroevo/`` and ``games/``, the packages ship a
``py.typed`` marker (PEP 561), and every public function is annotated.

mypy runs with the ``[tool.mypy]`` settings of ``pyproject.toml`` (files, strictness, the third-party modules
without type information); its cache (``.mypy_cache/``) makes a second run fast.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("neuroevo", "games")

#: Decorators that compile a function with Numba: its argument types are Numba's, inferred per call from the
#: arrays and scalars it is given (Python annotations would be ignored by the compiler, so none are asked for).
NUMBA_DECORATORS = ("njit", "jit", "vectorize", "guvectorize")


def test_mypy_reports_no_error_over_the_package_and_the_games():
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"mypy found errors (python -m mypy):\n{proc.stdout}{proc.stderr}"
    assert "Success: no issues found" in proc.stdout, proc.stdout


def test_the_built_package_ships_the_py_typed_markers(tmp_path):
    """PEP 561: a type checker uses an installed package's annotations only if it holds ``py.typed``. Built
    with setuptools' ``build_py`` (what a wheel or an install copies: modules and package data) from a copy of
    the sources, so no ``*.egg-info`` of an earlier install can add files the configuration does not name."""
    src, out = tmp_path / "src", tmp_path / "build"
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    code = ("import sys, setuptools; sys.argv = ['setup.py', '-q', 'build_py', '--build-lib', sys.argv[1]]; "
            "setuptools.setup()")
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "neuroevo" / "network.py").is_file() and (out / "games" / "car_track" / "tracks").is_dir()
    missing = [f"{pkg}/py.typed" for pkg in PACKAGES if not (out / pkg / "py.typed").is_file()]
    assert not missing, f"not in the built package: {missing} (pyproject's [tool.setuptools.package-data])"


def _is_numba(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in NUMBA_DECORATORS:
            return True
    return False


def _unannotated(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line name (what is missing)`` of every public function or method of ``path`` that lacks an
    annotation: a parameter other than self/cls, or the return (``__init__`` needs none)."""
    out = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if (node.name.startswith("_") and node.name != "__init__") or _is_numba(node):
                    continue
                a = node.args
                missing = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs
                           if x.annotation is None and x.arg not in ("self", "cls")]
                missing += [f"*{v.arg}" for v in (a.vararg,) if v is not None and v.annotation is None]
                missing += [f"**{v.arg}" for v in (a.kwarg,) if v is not None and v.annotation is None]
                if node.returns is None and node.name != "__init__":
                    missing.append("return")
                if missing:
                    out.append(f"{path.relative_to(root)}:{node.lineno} {prefix}{node.name} ({', '.join(missing)})")

    visit(ast.parse(path.read_text()).body, "")
    return out


def test_every_public_function_is_annotated():
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    assert len(files) > 50
    missing = [line for p in files for line in _unannotated(p)]
    assert not missing, f"{len(missing)} public functions lack annotations:\n" + "\n".join(missing)


def test_the_annotation_check_sees_what_is_missing(tmp_path):
    """The check itself: an unannotated parameter or return is reported, private and Numba functions are not."""
    src = tmp_path / "mod.py"
    src.write_text("import numba\n\n"
                   "def f(x: int): ...\n"
                   "def g(x) -> int: ...\n"
                   "def _private(x): ...\n"
                   "@numba.njit(cache=True)\ndef kernel(a, b): ...\n"
                   "class C:\n    def __init__(self, n: int): ...\n    def m(self, *args) -> None: ...\n")
    assert _unannotated(src, tmp_path) == ["mod.py:3 f (return)", "mod.py:4 g (x)", "mod.py:10 C.m (*args)"]
