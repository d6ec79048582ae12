"""neuroevo.kernel_cache: a cached Numba kernel follows a change in a jitted function of another module."""

import subprocess
import sys
import textwrap

from neuroevo.kernel_cache import STAMP, refresh, sources_digest

CALLEE = "from numba import njit\n\n@njit(cache=True)\ndef g():\n    return {value}\n"
CALLER = textwrap.dedent("""\
    from numba import njit
    from pkg.a import g

    @njit(cache=True)
    def f():
        return g() + 0.5
    """)


def _run(root, refresh_first: bool) -> float:
    code = ("import sys; from pathlib import Path; from neuroevo.kernel_cache import refresh; "
            f"refresh([Path({str(root / 'pkg')!r})]) if {refresh_first} else None; "
            "import pkg.b; print(pkg.b.f())")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return float(out.stdout)


def test_a_change_in_another_module_recompiles_the_cached_kernel(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(CALLEE.format(value="1.0"))
    (pkg / "b.py").write_text(CALLER)
    assert _run(tmp_path, refresh_first=True) == 1.5
    assert list(pkg.rglob("*.nbi")), "the kernel was cached"
    (pkg / "a.py").write_text(CALLEE.format(value="20.0"))  # only the callee's module changes
    assert _run(tmp_path, refresh_first=True) == 20.5
    assert (pkg / "__pycache__" / STAMP).read_text().strip() == sources_digest([pkg])


def test_refresh_deletes_only_when_the_sources_change(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "k.py").write_text("import numba\n")
    (pkg / "plain.py").write_text("x = 1\n")
    assert refresh([pkg]) is True  # no stamp yet
    cached = pkg / "__pycache__" / "k.f-3.py311.nbi"
    cached.write_bytes(b"index")
    assert refresh([pkg]) is False and cached.exists()
    (pkg / "plain.py").write_text("x = 2\n")  # a file without numba: the kernels stay cached
    assert refresh([pkg]) is False and cached.exists()
    (pkg / "k.py").write_text("import numba  # changed\n")
    assert refresh([pkg]) is True and not cached.exists()
