import math

import pytest

from neuroevo.config import Config, resolve
from neuroevo.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "run.toml"
    p.write_text(text)
    return p


def test_defaults_are_valid_and_roundtrip_through_toml(tmp_path):
    c = resolve()
    assert c.task.env == "CartPole-v1" and c.ga.population >= 2
    again = resolve(write(tmp_path, c.to_toml()))
    assert again.to_dict() == c.to_dict()


def test_precedence_defaults_toml_flags(tmp_path):
    p = write(tmp_path, "[ga]\npopulation = 30\nmutation_rate = 0.3\n[network]\nhidden = [8, 8]\n")
    c = resolve(p, {"ga": {"population": 40}})
    assert (c.ga.population, c.ga.mutation_rate, c.network.hidden) == (40, 0.3, [8, 8])
    assert c.run.target == 500.0  # CartPole-v1's built-in default, kept since neither file nor flag sets it
    other = resolve(p, {"task": {"env": "Acrobot-v1"}})
    assert math.isnan(other.run.target) and other.ga.population == 30


@pytest.mark.parametrize("text,match", [
    ("[ga]\npopulaton = 3\n", "unknown key 'populaton' in \\[ga\\]"),
    ("[gaa]\npopulation = 3\n", "unknown section \\[gaa\\]"),
    ("[ga]\npopulation = \n", "is not valid TOML"),
    ("[ga]\npopulation = 'many'\n", "\\[ga\\] population must be an integer"),
    ("[ga]\npopulation = 1\n", "--population must be at least 2"),
    ("[ga]\nmutation_rate = 1.5\n", "--mutation-rate must be in \\[0, 1\\]"),
    ("[ga]\ncrossover_rate = -0.1\n", "--crossover-rate must be in \\[0, 1\\]"),
    ("[ga]\nselection = 'best'\n", "unknown selection 'best'"),
    ("[ga]\nelitism = 500\n", "--elitism must be in"),
    ("[network]\nactivation = 'swish'\n", "unknown activation 'swish'"),
    ("[network]\nhidden = [8, 0]\n", "--hidden sizes must be positive"),
    ("[task]\nfitness = 'nofunction'\n", "MODULE:FN"),
    ("[task]\nfitness = 'm:f'\n", "needs the network size"),
    ("[run]\ngenerations = 0\n", "--generations must be at least 1"),
    ("[run]\nwatch = 'yes'\n", "must be true or false"),
])
def test_bad_toml_is_one_clear_error(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match) as e:
        resolve(write(tmp_path, text))
    assert "\n" not in str(e.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="does not exist"):
        resolve("/nonexistent/run.toml")


def test_validate_catches_direct_construction():
    c = Config()
    c.ga.population = 1
    with pytest.raises(ConfigError):
        c.validate()
