"""The games' envs are documented in Gymnasium's layout, register the Gymnasium 1.x way, and render frames of
one size per env instance."""

import re
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import games

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["Description", "Action Space", "Observation Space", "Rewards", "Starting State", "Episode End",
            "Arguments", "Reset Options", "Version History"]


def env_classes():
    for env_id in games.register_envs():
        yield env_id, gym.spec(env_id).entry_point


@pytest.mark.parametrize("env_id,entry_point", list(env_classes()))
def test_env_docstrings_follow_gymnasiums_layout(env_id, entry_point):
    cls = gym.envs.registration.load_env_creator(entry_point)
    doc = cls.__doc__
    headings = re.findall(r"^\s*## (.+?)\s*$", doc, flags=re.M)
    assert [h for h in headings if h in SECTIONS] == SECTIONS, (env_id, headings)
    observation = doc.split("## Observation Space")[1].split("## Rewards")[0]
    tables = [line for line in observation.splitlines() if re.match(r"\s*\| *(Num|Index)", line)]
    assert tables, f"{env_id}: no observation table"
    for header in tables:
        assert "| Unit" in header, (env_id, header)


def test_car_frames_have_one_size_whatever_the_track():
    env = gym.make("neuroevo/CarTrack-v0", track="oval,sbend", render_mode="rgb_array")
    shapes = set()
    for track in ("oval", "sbend", "oval"):
        env.reset(seed=0, options={"track": track})
        frame = env.render()
        shapes.add(frame.shape)
        env.step(np.zeros(2, dtype=np.float32))
        shapes.add(env.render().shape)
    env.close()
    assert len(shapes) == 1, shapes
    (h, w, c), = shapes
    assert c == 3 and (w, h) == (960, 714)  # the oval's width, the s-bend's height


def test_a_single_track_frame_is_the_tracks_view_without_letterbox():
    env = gym.make("neuroevo/CarTrack-v0", track="sbend", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    env.close()
    assert frame.shape == (714, 755, 3) and frame[:, 0].any()  # no black band on the left


def test_no_dead_gymnasium_entry_point_and_the_readme_says_how_to_register():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "gymnasium.envs" not in project.get("entry-points", {})
    readme = (ROOT / "README.md").read_text()
    assert "gymnasium.register_envs(games)" in readme
