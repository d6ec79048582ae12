"""CMA-ES against the ``cma`` package's reference implementation of Hansen's tutorial (cma.purecma), fed the
same samples; sep-CMA-ES against its definition."""

import numpy as np
import pytest

from neuroevo.errors import ConfigError
from neuroevo.network import NetworkSpec
from neuroevo.strategies.cmaes import CMAES, CMAESConfig, CMAParameters, SepCMAES

purecma = pytest.importorskip("cma.more_algorithms.purecma")


def rosenbrock(x):  # minimised by purecma; neuroevo maximises its negative
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


@pytest.mark.parametrize("sizes, lam", [((2, 2, 1), 0), ((3, 2, 1), 16)])
def test_fed_the_same_samples_mean_sigma_and_covariance_agree_with_purecma_over_50_iterations(sizes, lam):
    spec = NetworkSpec(sizes, ("tanh",) * (len(sizes) - 1))
    ours = CMAES(spec, CMAESConfig(population=lam, sigma=0.3), seed=3)
    ref = purecma.CMAES(list(ours.mean), 0.3, popsize=lam or purecma.CMAESParameters.default_popsize)
    assert ref.params.lam == ours.population_size
    for _ in range(50):
        x = ours.ask()
        ref.ask()  # purecma refreshes its eigensystem (lazily) in ask
        f = rosenbrock(x)
        ref.tell([list(row) for row in x], list(f))
        ours.tell(-f)
        np.testing.assert_allclose(ours.mean, ref.xmean, rtol=0, atol=1e-10)
        assert abs(ours.sigma - ref.sigma) <= 1e-10 * max(1.0, ref.sigma)
        np.testing.assert_allclose(ours.C, np.array(ref.C), rtol=0, atol=1e-10)
    ref.ask()  # purecma's lazy eigendecomposition happens in ask, ours at the end of tell: same schedule
    assert ours.counteval == ref.counteval and ours.updated_eval == ref.C.updated_eval > 0


def test_parameters_are_hansens_defaults():
    p = CMAParameters(10)
    assert p.lam == 4 + int(3 * np.log(10)) == 10 and p.mu == 5
    assert np.isclose(p.weights.sum(), 1) and np.all(np.diff(p.weights) < 0)
    ref = purecma.CMAESParameters(10)
    for key in ("mueff", "cc", "cs", "c1", "cmu", "damps", "lazy_gap_evals"):
        assert getattr(p, key) == pytest.approx(getattr(ref, key), rel=1e-14), key


def test_sep_cmaes_learning_rates_and_diagonal_update():
    full, sep = CMAParameters(30), CMAParameters(30, separable=True)
    assert sep.c1 == pytest.approx(full.c1 * 32 / 3) and sep.cmu == pytest.approx(min(1 - sep.c1, full.cmu * 32 / 3))
    # one step from C = I: sep's diagonal is the diagonal of the full update made with sep's learning rates
    spec = NetworkSpec((3, 2), ("linear",))
    a, b = SepCMAES(spec, CMAESConfig(sigma=0.2), 1), CMAES(spec, CMAESConfig(sigma=0.2), 1)
    b.par = a.par
    x = a.ask()
    b._asked = x.copy()
    f = -np.sum((x - 1) ** 2, axis=1)
    a.tell(f), b.tell(f)
    assert a.C.shape == (spec.n_params,)
    np.testing.assert_allclose(a.C, np.diag(b.C), rtol=1e-13)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-13)
    assert a.sigma == pytest.approx(b.sigma, rel=1e-13)


def test_full_cmaes_refuses_huge_networks_and_bad_settings():
    with pytest.raises(ConfigError, match="use --algorithm sep-cmaes"):
        CMAES(NetworkSpec.build(100, (60,), 2), CMAESConfig())
    SepCMAES(NetworkSpec.build(100, (60,), 2), CMAESConfig())  # fine
    with pytest.raises(ConfigError, match="--sigma must be a finite number > 0"):
        CMAESConfig(sigma=-1).validate()
    with pytest.raises(ConfigError, match="at least 4 for CMA-ES"):
        CMAESConfig(population=3).validate()
