"""neuroevo.live: scenes, the window (SDL dummy driver), GIF recording, watch_agent and the --watch viewer."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym  # noqa: E402
import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from neuroevo.agent import Agent  # noqa: E402
from neuroevo.callbacks import GenerationRecord  # noqa: E402
from neuroevo.errors import NeuroevoError  # noqa: E402
from neuroevo.evaluate import evaluation_seeds  # noqa: E402
from neuroevo.live import GymScene, LiveView, SceneSequence, record, show, watch_agent  # noqa: E402
from neuroevo.network import Network, NetworkSpec  # noqa: E402

CART = NetworkSpec.build(4, (4,), 2)
FLAPPY = NetworkSpec.build(4, (), 2, "tanh", "linear")


def flappy_genome(margin_px=-10.0):
    w = np.zeros((4, 2))
    w[0, 1], w[3, 1] = 1.0, -1.0
    return np.concatenate([w.ravel(), [0.0, margin_px / 512]])


def cart_genome():
    return CART.init_genomes(np.random.default_rng(3), 1)[0] * 2


def env_return(env_id, spec, genome, seed, **kwargs):
    env, net = gym.make(env_id, **kwargs), Network(spec, genome)
    obs, _ = env.reset(seed=int(seed))
    total, done = 0.0, False
    while not done:
        obs, r, term, trunc, _ = env.step(int(np.argmax(net(obs))))
        total, done = total + r, term or trunc
    return total


def test_gym_scene_plays_the_env_episode():
    scene = GymScene("CartPole-v1", CART, cart_genome(), seed=5)
    assert scene.size == (600, 400) and scene.fps == 50
    while scene.step():
        pass
    assert scene.returns[0] == env_return("CartPole-v1", CART, cart_genome(), 5) and scene.steps > 5


def test_scene_sequence_and_show_in_a_dummy_window():
    scenes = [GymScene("CartPole-v1", CART, cart_genome(), seed=s) for s in (1, 2)]
    assert show(SceneSequence(scenes), "test") is True
    assert all(s.done for s in scenes)
    np.testing.assert_array_equal(SceneSequence(scenes).returns, [s.returns[0] for s in scenes])


def test_record_writes_a_gif(tmp_path):
    scene = GymScene("CartPole-v1", CART, cart_genome(), seed=0)
    rec = record(scene, tmp_path / "c.gif", fps=50, scale=0.25)
    frames = iio.imread(rec.path, index=None)
    assert frames.shape[1:3] == (100, 150) and frames.shape[0] == scene.steps + 1  # every frame, the whole episode
    assert not rec.cut and rec.seconds == pytest.approx(scene.steps / 50)


def test_record_keeps_the_whole_episode_unless_told(tmp_path):
    """issue 13: GIFs were cut at 600 frames without a word (a 1,000-pipe bird ended at pipe 14)."""
    from neuroevo.live import GymScene as Scene

    long_scene = Scene("CartPole-v1", CART, cart_genome(), seed=0)
    rec = record(long_scene, tmp_path / "all.gif", fps=25)
    assert rec.seconds == pytest.approx(long_scene.steps / 50) and not rec.cut
    assert len(iio.imread(rec.path, index=None)) == long_scene.steps // 2 + 1 + long_scene.steps % 2
    short = record(Scene("CartPole-v1", CART, cart_genome(), seed=0), tmp_path / "cut.gif", max_seconds=0.1,
                   fps=25)
    assert short.cut and short.seconds == pytest.approx(0.1) and short.scene_seconds == rec.scene_seconds


def test_record_mp4_or_a_one_line_refusal(tmp_path, monkeypatch):
    import importlib.util

    scene = GymScene("CartPole-v1", CART, cart_genome(), seed=0)
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        with pytest.raises(NeuroevoError, match="pip install imageio-ffmpeg"):
            record(scene, tmp_path / "c.mp4")
        return
    rec = record(scene, tmp_path / "c.mp4", fps=25, max_seconds=1.0)
    assert rec.path.read_bytes()[4:8] == b"ftyp"  # an ISO media file, not GIF data under an .mp4 name
    import imageio.v2 as imageio

    assert sum(1 for _ in imageio.get_reader(rec.path)) == rec.frames
    with pytest.raises(NeuroevoError, match=r"\.gif or \.mp4"):
        record(scene, tmp_path / "c.avi")


def test_watch_record_cut_is_said_on_stderr(tmp_path, capsys):
    from neuroevo.cli import main

    run = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--population", "10", "--episodes", "1", "--workers", "1",
                 "--out", str(run), "-q"]) == 0
    assert main(["watch", str(run), "--record", str(tmp_path / "w.gif"), "--max-seconds", "0.2"]) == 0
    err = capsys.readouterr().err
    assert "the recording stops at 0.2 s (--max-seconds); the episode went on to" in err


@pytest.mark.parametrize("env_id, spec, genome, kwargs", [
    ("neuroevo/FlappyBird-v0", FLAPPY, flappy_genome(), {"score_cap": 2}),
    ("CartPole-v1", CART, cart_genome(), {}),
])
def test_watch_agent_returns_the_env_returns(tmp_path, capsys, env_id, spec, genome, kwargs):
    agent = Agent(spec, genome, env_id, kwargs)
    returns = watch_agent(agent, episodes=2, seed=7, record=tmp_path / "w.gif")
    seeds = evaluation_seeds(2, 7)  # the episodes of `neuroevo evaluate`: never seen in training
    assert returns == [env_return(env_id, spec, genome, s, **kwargs) for s in seeds]
    out = capsys.readouterr().out
    assert "episode 2: return" in out and (tmp_path / "w.gif").stat().st_size > 1000
    assert watch_agent(agent, episodes=1, seed=7) == returns[:1]  # in a (dummy) window


class _Task:
    def __init__(self, env_id, spec, env_kwargs):
        self.env_id, self.spec, self.env_kwargs = env_id, spec, env_kwargs


class _Run:
    def __init__(self, task):
        self.task = task


def _record(generation, genomes):
    fitness = np.arange(len(genomes), dtype=float)
    return GenerationRecord(generation, fitness.max(), fitness.mean(), fitness.std(), 0.0, 10, 100, 1.0,
                            fitness.max(), genomes, fitness)


def test_live_view_without_display_is_a_one_line_error(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    view = LiveView(every=1)
    with pytest.raises(NeuroevoError, match="display") as info:
        view.on_run_start(_Run(_Task("neuroevo/FlappyBird-v0", FLAPPY, {})))
    assert "\n" not in str(info.value) and view.process is None


def test_live_view_needs_an_environment():
    with pytest.raises(NeuroevoError, match="environment"):
        LiveView().on_run_start(_Run(_Task(None, FLAPPY, {})))


def test_live_view_runs_a_viewer_process_and_closes_it():
    view = LiveView(every=2, min_seconds=0.0)
    view.on_run_start(_Run(_Task("neuroevo/FlappyBird-v0", FLAPPY, {"score_cap": 5})))
    try:
        process = view.process
        assert process.is_alive()
        genomes = np.array([flappy_genome(m) for m in (-12.0, -6.0, 0.0)])
        for g in range(5):  # generations 0, 2, 4 are sent; never blocks
            view.on_generation_end(_record(g, genomes))
        assert process.is_alive()
    finally:
        view.on_run_end(None)
    assert view.process is None and process.exitcode == 0


def test_live_view_always_shows_the_last_generation_and_stays_open(capsys):
    """issue 13: the window closed the moment the run ended; now the last generation is sent (even when it is
    not a multiple of --watch-every) and replayed; under SDL's dummy driver nobody can close the window, so
    the viewer plays it and ends by itself."""
    said = []
    view = LiveView(every=10, min_seconds=0.0, keep_open=True, say=said.append)
    view.on_run_start(_Run(_Task("neuroevo/FlappyBird-v0", FLAPPY, {"score_cap": 2})))
    process = view.process
    genomes = np.array([flappy_genome(m) for m in (-12.0, -6.0, 0.0)])
    for g in (1, 2, 3):
        view.on_generation_end(_record(g, genomes))
    assert view._sent == 1 and view.evolving.value == 4
    view.on_run_end(None)
    assert view._sent == 3 and said == ["--watch: the window replays generation 3 until you close it"]
    assert view.process is None and process.exitcode == 0


def test_watch_record_of_a_double_pole_champion_writes_its_gif(tmp_path, capsys, monkeypatch):
    """issue 13: `watch --record x.gif` of a double-pole champion wrote no GIF: every one of the episode's
    100,000 steps was rendered (even those not kept, and all those after --max-seconds), an hour of pygame.
    Now a step is rendered only when it is drawn."""
    from games.double_pole.env import DoublePoleEnv
    from neuroevo.cli import main

    run = tmp_path / "dp"
    assert main(["evolve", "--env", "double-pole", "--population", "50", "--selection", "tournament",
                 "--crossover", "uniform", "--mutation", "gaussian", "--out", str(run), "-q"]) == 0
    renders = []
    original = DoublePoleEnv.render
    monkeypatch.setattr(DoublePoleEnv, "render", lambda self: renders.append(1) or original(self))
    gif = tmp_path / "dp.gif"
    assert main(["watch", str(run), "--record", str(gif), "--max-seconds", "2", "--seed", "1"]) == 0
    out = capsys.readouterr()
    assert "episode 1: return 100000.00" in out.out  # the champion balanced the whole episode...
    frames = iio.imread(gif, index=None)
    assert len(frames) == 2 * 50 // 3 + 1  # ...2 s at 50 steps/s, one step in 3 kept (--fps 15)
    assert len(renders) == len(frames)  # and only the kept steps were rendered
    assert "went on to 2000.0 s" in out.err


def test_a_long_whole_episode_recording_is_announced(tmp_path, capsys):
    from neuroevo.live import _warn_long

    scene = GymScene("neuroevo/DoublePole-v0", NetworkSpec.build(6, (), 1), np.zeros(7), seed=0)
    _warn_long("neuroevo/DoublePole-v0", scene, 1, None, 15.0)
    err = capsys.readouterr().err
    assert "lasts up to 100,000 steps (2,000 s at 50 steps/s)" in err and "--max-seconds 30" in err
    _warn_long("neuroevo/DoublePole-v0", scene, 1, 20.0, 15.0)
    _warn_long("CartPole-v1", GymScene("CartPole-v1", CART, cart_genome(), seed=0), 1, None, 15.0)
    assert capsys.readouterr().err == ""


def test_watch_without_a_display_prints_one_line_and_nothing_of_pygame(tmp_path):
    """A new user's headless `neuroevo watch RUN`: SDL printed "error: XDG_RUNTIME_DIR is invalid..." from the
    env's renderer before neuroevo's own line; the display is now checked before anything renders."""
    import subprocess
    import sys
    from pathlib import Path

    from neuroevo.cli import main

    run = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--population", "10", "--episodes", "1", "--out", str(run), "-q"]) == 0
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER",
                                                           "SDL_AUDIODRIVER", "XDG_RUNTIME_DIR")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    p = subprocess.run([sys.executable, "-m", "neuroevo", "watch", str(run)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == ["neuroevo: error: a window needs a display (DISPLAY is not set); on a headless "
                                     "machine record a GIF instead (neuroevo watch RUN --record out.gif) or run "
                                     "under xvfb-run"]
