"""Watching agents: pygame windows, GIF recording, and the live view of a run (``--watch``).

A *scene* is anything that follows :class:`Scene`: a game's flock view (``registry.SCENES``) or
:class:`GymScene`, which plays one agent on any Gymnasium env that renders ``rgb_array`` frames.

- :func:`show` plays a scene in a real window; :func:`record` writes it to a GIF (headless machines).
- :func:`watch_agent` replays a saved agent (``neuroevo watch RUN``).
- :class:`LiveView` is the callback of ``--watch``: every K-th generation it sends the generation's genomes
  to one viewer process, which flies them while evolution goes on (evolution never waits on the window).

pygame is imported inside the functions that draw, so importing this module opens nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import multiprocessing as mp
import os
import queue
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from neuroevo.callbacks import Callback
from neuroevo.errors import NeuroevoError, TaskError

if TYPE_CHECKING:
    import gymnasium as gym
    from multiprocessing.process import BaseProcess
    from pygame import Surface
    from pygame.font import Font

    from neuroevo.agent import Agent
    from neuroevo.callbacks import GenerationRecord
    from neuroevo.networks.spec import NetworkSpec
    from neuroevo.population import Population, RunResult
    from neuroevo.strategies.base import Genomes



def import_pygame() -> ModuleType:
    """``import pygame`` without its support banner on stdout, and without touching ``os.environ``."""
    if "pygame" not in sys.modules:
        with contextlib.redirect_stdout(io.StringIO()):
            import pygame  # noqa: F401
    return sys.modules["pygame"]


@runtime_checkable
class Scene(Protocol):
    """What :func:`show` and :func:`record` play.

    Attributes:
        size: (width, height) in pixels of the surface ``draw`` paints.
        fps: frames per second at which the scene is meant to be watched.
        returns: (n_agents,) float64 episode return of each agent so far (final once ``step`` is False).
    """

    size: tuple[int, int]
    fps: int

    def step(self) -> bool:
        """Advance one frame; return False when the scene is over (the last frame stays drawable)."""

    def draw(self, surface: Surface) -> None:
        """Paint the current frame on a pygame surface of ``size``."""

    @property
    def returns(self) -> np.ndarray: ...


class GymScene:
    """One agent playing one episode of any Gymnasium env made with ``render_mode="rgb_array"``.

    Args:
        env_id: a registered Gymnasium id (``import games`` is done for the built-in ones).
        spec, genome: the network and its (n_params,) float64 weights; the policy is the evaluators'
            (``neuroevo.policy``: first argmax for Discrete actions, tanh-scaled for Box).
        seed: ``reset(seed=...)`` of the episode (None: random).
        env_kwargs: keyword arguments of ``gymnasium.make``.

    Raises:
        TaskError: unknown env id or bad keyword arguments.
    """

    def __init__(self, env_id: str, spec: NetworkSpec, genome: Genomes, seed: int | None = None,
                 env_kwargs: dict | None = None):
        from neuroevo.evaluation.env_task import make_env
        from neuroevo.networks import Network
        from neuroevo.policy import observation_to_input, output_to_action

        self.env = make_env(env_id, env_kwargs, render_mode="rgb_array")
        # a GenomeBatch (NEAT) gives its own network facade; a flat genome a Network, which holds a recurrent
        # network's memory over the episode
        self._net = Network(spec, genome) if isinstance(genome, np.ndarray) else genome.network(0)
        self._to_input = observation_to_input(self.env.observation_space)
        self._to_action = output_to_action(self.env.action_space)
        self.obs, self.info = self.env.reset(seed=seed)
        self.frame = _rgb_frame(self.env)
        self.size = (int(self.frame.shape[1]), int(self.frame.shape[0]))
        self.fps = int(self.env.metadata.get("render_fps") or 30)
        self._return, self.done, self.steps, self._stale = 0.0, False, 0, False

    @property
    def returns(self) -> np.ndarray:
        return np.array([self._return])

    def step(self) -> bool:
        if self.done:
            return False
        y = self._net(self._to_input(self.obs))
        self.obs, reward, terminated, truncated, self.info = self.env.step(self._to_action(y))
        self._return += float(reward)
        self.steps += 1
        self.done = bool(terminated or truncated)
        self._stale = True  # rendered when drawn: a recording keeps one frame in several, and the steps
        # after ``max_seconds`` are never drawn (rendering each of a 100,000-step double-pole episode took an hour)
        return not self.done  # the env stays open: closing a pygame env would close our window too

    def draw(self, surface: Surface) -> None:
        pygame = import_pygame()

        if self._stale:
            self.frame, self._stale = _rgb_frame(self.env), False
        surface.blit(pygame.surfarray.make_surface(np.ascontiguousarray(self.frame.swapaxes(0, 1))), (0, 0))


def _rgb_frame(env: gym.Env) -> np.ndarray:
    """The env's ``render()`` frame, (H, W, 3) uint8; TaskError (one line) if it renders no rgb_array."""
    frame = env.render()
    if not isinstance(frame, np.ndarray):
        raise TaskError(f"{env.spec.id if env.spec else env} rendered {type(frame).__name__}, not an rgb_array "
                        f"frame")
    return frame


class SceneSequence:
    """Scenes played one after the other (several episodes in one window or GIF); ``returns`` concatenated."""

    def __init__(self, scenes: Iterable[Scene]):
        self.scenes, self.index = list(scenes), 0
        self.size = (max(s.size[0] for s in self.scenes), max(s.size[1] for s in self.scenes))
        self.fps = self.scenes[0].fps

    @property
    def returns(self) -> np.ndarray:
        return np.concatenate([s.returns for s in self.scenes])

    def step(self) -> bool:
        while not self.scenes[self.index].step():
            if self.index + 1 == len(self.scenes):
                return False
            self.index += 1
        return True

    def draw(self, surface: Surface) -> None:
        surface.fill((0, 0, 0))
        self.scenes[self.index].draw(surface)


def _check_display(what: str, instead: str) -> None:
    """Raise NeuroevoError (one line) on a Linux machine with no display to open a window on."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                                 or os.environ.get("SDL_VIDEODRIVER")):
        raise NeuroevoError(f"{what} needs a display (DISPLAY is not set); on a headless machine {instead}")


def _init_display() -> ModuleType:
    """Initialise pygame's video; raises NeuroevoError (one line) when there is no display."""
    pygame = import_pygame()

    _check_display("a window", "record a GIF instead (neuroevo watch RUN --record out.gif) or run under xvfb-run")
    try:
        pygame.display.init()
        pygame.font.init()
    except pygame.error as e:
        raise NeuroevoError(f"cannot open a window ({e}); on a headless machine record a GIF instead "
                            f"(neuroevo watch RUN --record out.gif)") from None
    return pygame


class HumanWindow:
    """The window of an env's ``render_mode="human"``: opened on the first frame, resized to each frame,
    paced at ``fps`` frames per second. Used by the built-in games' renderers."""

    def __init__(self, title: str):
        self.title = title
        self.window: Surface | None = None
        self.clock: Any = None  # a pygame.time.Clock once the window opened

    def present(self, surface: Surface, fps: int) -> None:
        """Show a finished pygame ``surface`` (its size in pixels) and wait for the next frame's time."""
        pygame = import_pygame()

        if self.window is None:
            pygame.display.init()
            pygame.display.set_caption(self.title)
            self.clock = pygame.time.Clock()
        if self.window is None or self.window.get_size() != surface.get_size():
            self.window = pygame.display.set_mode(surface.get_size())
        pygame.event.pump()
        self.window.blit(surface, (0, 0))
        pygame.display.flip()
        self.clock.tick(fps)

    def close(self) -> None:
        if self.window is not None:
            pygame = import_pygame()

            pygame.display.quit()
            self.window = None


def show(scene: Scene, title: str = "neuroevo", max_frames: int | None = None) -> bool:
    """Play ``scene`` in a pygame window at its fps until it ends, ``max_frames`` pass, or the window closes.

    Closing the window or pressing Escape stops early. Returns True if the scene played to its end.

    Raises:
        NeuroevoError: if no display is available.
    """
    pygame = _init_display()
    window = pygame.display.set_mode(scene.size)
    pygame.display.set_caption(title)
    clock, frames, finished = pygame.time.Clock(), 0, False
    try:
        while max_frames is None or frames < max_frames:
            if any(e.type == pygame.QUIT or (e.type == pygame.KEYDOWN and e.key == pygame.K_ESCAPE)
                   for e in pygame.event.get()):
                return False
            finished = not scene.step()
            scene.draw(window)
            pygame.display.flip()
            clock.tick(scene.fps)
            frames += 1
            if finished:
                return True
        return False
    finally:
        pygame.display.quit()


@dataclass(frozen=True)
class Recording:
    """What :func:`record` wrote: the file, its frames, and the game seconds recorded out of the scene's."""

    path: Path
    frames: int
    seconds: float
    scene_seconds: float

    @property
    def cut(self) -> bool:
        """True if the scene went on after the recording stopped (``max_seconds``)."""
        return self.scene_seconds > self.seconds + 1e-9


def record(scene: Scene, path: str | Path, max_seconds: float | None = None, fps: float = 15.0, scale: float = 1.0,
           finish: bool = True) -> Recording:
    """Write ``scene`` to a .gif or .mp4 file (``neuroevo.recording``), with no window: works headless.

    Frames are written as they are drawn (never all held in memory), so the whole scene is recorded unless
    ``max_seconds`` stops it.

    Args:
        scene: the scene to play.
        path: output .gif or .mp4 file.
        max_seconds: game seconds recorded at most (``scene.fps`` frames per second); None: the whole scene.
        fps: frames per second of the file: one scene frame in ``round(scene.fps / fps)`` is kept, so the
            file plays at real speed.
        scale: size factor of the file relative to the scene's ``size``.
        finish: after ``max_seconds``, keep stepping (without drawing) until the scene ends, so its
            ``returns`` are those of whole episodes.

    Returns:
        A :class:`Recording` (``cut`` tells whether ``max_seconds`` stopped it before the scene's end).

    Raises:
        NeuroevoError: an unknown suffix, or .mp4 without imageio-ffmpeg.
    """
    pygame = import_pygame()

    from neuroevo.recording import open_writer

    if not fps > 0 or not scale > 0 or (max_seconds is not None and not max_seconds > 0):
        raise NeuroevoError("--fps, --scale and --max-seconds must be positive numbers")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    every = max(1, round(scene.fps / fps))
    writer = open_writer(path, scene.fps / every)
    surface = pygame.Surface(scene.size)
    out_size = (max(2, int(scene.size[0] * scale)), max(2, int(scene.size[1] * scale)))
    max_frames = None if max_seconds is None else int(round(max_seconds * scene.fps))
    frame, running = 0, True

    def grab() -> None:
        s = surface if out_size == tuple(scene.size) else pygame.transform.smoothscale(surface, out_size)
        writer.write(np.transpose(pygame.surfarray.array3d(s), (1, 0, 2)))

    try:
        scene.draw(surface)
        grab()
        while running and (max_frames is None or frame < max_frames):
            running = scene.step()
            frame += 1
            if frame % every == 0 or not running:
                scene.draw(surface)
                grab()
        recorded = frame
        while finish and running:
            running = scene.step()
            frame += 1
    except BaseException:
        writer.close()
        Path(writer.path).unlink(missing_ok=True)
        raise
    out = writer.close()
    return Recording(Path(out), writer.frames, recorded / scene.fps, frame / scene.fps)


def _report_recording(rec: Recording, say: Callable[[str], object]) -> None:
    """The CLI's lines about a recording: where it went, and on stderr when it was cut."""
    say(f"recorded {rec.seconds:.1f} s ({rec.frames} frames) to {rec.path}")
    if rec.cut:
        print(f"neuroevo: the recording stops at {rec.seconds:.1f} s (--max-seconds); the episode went on to "
              f"{rec.scene_seconds:.1f} s", file=sys.stderr)


_record = record  # watch_agent's ``record`` argument shadows the function


def _unseen_seeds(episodes: int, seed: int | None) -> np.ndarray:
    """Episode seeds never used in training (those of ``neuroevo evaluate``; random when ``seed`` is None)."""
    from neuroevo.evaluate import evaluation_seeds

    if seed is None:
        entropy = np.random.SeedSequence().entropy  # a fresh sequence draws an int from the OS
        assert isinstance(entropy, int)
        seed = entropy % 2**32
    return evaluation_seeds(episodes, int(seed))


def _scene_factory(env_id: str) -> Callable[..., Scene] | None:
    """The ``make_flock_scene`` of a game from ``registry.SCENES``, or None."""
    from neuroevo.evaluation.registry import SCENES

    if env_id not in SCENES:
        return None
    module, _, name = SCENES[env_id].partition(":")
    return getattr(importlib.import_module(module), name)


def _record_options(record: str | Path, max_seconds: float | None, fps: float, scale: float) -> dict:
    return {"max_seconds": max_seconds, "fps": fps, "scale": scale}


def watch_agent(agent: Agent, *, episodes: int = 1, seed: int | None = None, record: str | Path | None = None,
                max_seconds: float | None = None, fps: float = 15.0, scale: float = 1.0,
                say: Callable[[str], object] = print) -> list[float]:
    """Replay a saved agent: a window (or a .gif / .mp4 file with ``record``), one episode after the other.

    A built-in game is drawn by its own scene (a flock of one); any other env through :class:`GymScene`.
    Each episode's return (and the game's score) is told to ``say`` and returned.

    Args:
        agent: a :class:`neuroevo.agent.Agent` trained on an environment.
        episodes: episodes to play.
        seed: seeds the episodes (None: random episodes).
        record: write a .gif or .mp4 file here instead of opening a window (see :func:`record` for
            ``max_seconds``, ``fps``, ``scale``).
        say: ``fn(str)`` for the lines of the result (the CLI's print).

    Raises:
        TaskError: if the agent has no environment. NeuroevoError: no display (without ``record``).
    """
    import games  # noqa: F401  (registers the built-in games)
    from neuroevo.errors import TaskError
    from neuroevo.evaluation.registry import resolve_env_id

    if not agent.env_id:
        raise TaskError("this agent was trained on a user fitness function or a supervised task: there is no "
                        "environment to watch")
    env_id = resolve_env_id(agent.env_id or "")
    if not record:  # before any env renders: pygame's start-up prints its own errors on a headless machine
        _check_display("a window", "record a GIF instead (neuroevo watch RUN --record out.gif) or run under xvfb-run")
    seeds = _unseen_seeds(episodes, seed)
    factory = _scene_factory(env_id)
    genome = agent.genome  # a GenomeBatch (NEAT) plays through GymScene: the flock scenes fly layered networks
    scenes = [factory(agent.spec, genome[None, :], int(s), **agent.env_kwargs)
              if factory is not None and isinstance(genome, np.ndarray) else
              GymScene(env_id, agent.spec, genome, int(s), agent.env_kwargs) for s in seeds]
    sequence = SceneSequence(scenes)
    if record:
        _warn_long(env_id, sequence, len(scenes), max_seconds, fps)
        _report_recording(_record(sequence, record, **_record_options(record, max_seconds, fps, scale)), say)
    else:
        show(sequence, f"neuroevo watch: {env_id}")
    out = []
    for k, scene in enumerate(scenes):
        r = float(scene.returns[0])
        score = getattr(scene, "scores", None)
        extra = f"  {_unit(env_id)} {score[0]:g}" if score is not None else ""
        say(f"episode {k + 1}: return {r:.2f}{extra}")
        out.append(r)
    return out


#: Game seconds above which ``watch --record`` warns that a whole episode makes a long recording.
LONG_RECORDING_S = 300.0


def _warn_long(env_id: str, scene: Scene, episodes: int, max_seconds: float | None, fps: float) -> None:
    """On stderr: the whole episode may be long (the env's time limit), with the way to record less."""
    import gymnasium as gym

    try:
        steps = gym.spec(env_id).max_episode_steps
    except gym.error.Error:
        return
    if not steps:
        return
    seconds = episodes * steps / scene.fps
    if seconds > LONG_RECORDING_S and (max_seconds is None or max_seconds > LONG_RECORDING_S):
        frames = int(seconds * scene.fps / max(1, round(scene.fps / fps)))
        print(f"neuroevo: an episode of {env_id} lasts up to {steps:,} steps ({seconds:,.0f} s at "
              f"{scene.fps} steps/s): recorded whole that is up to {frames:,} frames; --max-seconds 30 records "
              f"the first 30 s", file=sys.stderr)


def _unit(env_id: str) -> str:
    from neuroevo.evaluation.registry import SCORES

    return SCORES.get(env_id, ("", "score"))[1]


def watch_population(folder: str | Path, *, episodes: int = 1, seed: int | None = None,
                     record: str | Path | None = None, env_kwargs: dict | None = None,
                     max_seconds: float | None = None, fps: float = 15.0, scale: float = 1.0,
                     say: Callable[[str], object] = print) -> np.ndarray:
    """Fly the whole population of a run's last checkpoint as one flock (``neuroevo watch RUN --flock``).

    Args:
        folder: a run folder of ``neuroevo evolve`` on a built-in game.
        episodes: flock episodes played one after the other.
        seed: picks the episodes among those never used in training (None: random).
        record: write a .gif or .mp4 file here instead of opening a window (``max_seconds``, ``fps``,
            ``scale``: see :func:`record`).
        env_kwargs: overrides of the run's env keyword arguments (e.g. another track).
        say: ``fn(str)`` for the lines of the result.

    Returns:
        (episodes, P) float64 episode return of every member of the flock.

    Raises:
        CheckpointError: no readable checkpoint. TaskError: the run's env has no flock scene.
    """
    import games  # noqa: F401
    from neuroevo.agent import load_agent
    from neuroevo.checkpoint import load_checkpoint
    from neuroevo.errors import TaskError
    from neuroevo.evaluation.registry import resolve_env_id

    if not record:  # before any env renders: pygame's start-up prints its own errors on a headless machine
        _check_display("a window", "record a GIF instead (neuroevo watch RUN --record out.gif) or run under xvfb-run")
    arrays, meta = load_checkpoint(folder)
    agent = load_agent(folder)
    factory = _scene_factory(agent.env_id or "")
    if factory is None:
        raise TaskError(f"--flock needs a built-in game (flappy, car); this run is on {agent.env_id}")
    kwargs = {**agent.env_kwargs, **(env_kwargs or {})}
    scenes = [factory(agent.spec, arrays["population"], int(s), generation=int(meta["generation"]),
                      best_fitness=float(meta["best_fitness"]), **kwargs) for s in _unseen_seeds(episodes, seed)]
    sequence = SceneSequence(scenes)
    if record:
        _report_recording(_record(sequence, record, **_record_options(record, max_seconds, fps, scale)), say)
    else:
        show(sequence, f"neuroevo watch --flock: {agent.env_id}")
    returns = np.array([np.asarray(scene.returns, dtype=np.float64) for scene in scenes])
    env_id = resolve_env_id(agent.env_id or "")
    for k, (r, scene) in enumerate(zip(returns, scenes)):
        score = getattr(scene, "scores", None)
        extra = f", best {score.max():g} {_unit(env_id)}" if score is not None else ""
        say(f"episode {k + 1}: flock of {len(r)}, best return {r.max():.2f}, mean {r.mean():.2f}{extra}")
    return returns


# --- the live view of a run ---------------------------------------------------------------------------

def _build_scene(env_id, spec, env_kwargs, genomes, fitness, seed, generation, best_ever):
    factory = _scene_factory(env_id)
    if factory is not None and isinstance(genomes, np.ndarray):  # flock scenes fly layered networks only
        return factory(spec, genomes, seed, generation=generation, best_fitness=best_ever, **env_kwargs)
    return GymScene(env_id, spec, genomes[int(np.argmax(fitness))], seed, env_kwargs)


def _viewer_main(inbox, status, env_id, spec_dict, env_kwargs, title, min_seconds, evolving):
    """The viewer process: one window for the whole run, showing the latest generation sent.

    ``evolving`` (a shared int) is the generation being evolved, shown in the HUD beside the one on screen.
    After the message ``"final"`` the last generation is replayed (a new episode each time) until the window
    is closed; with SDL's dummy driver (no window a person could close) it plays once and the process ends.
    """
    try:
        import games  # noqa: F401
        from neuroevo.network import NetworkSpec

        spec = NetworkSpec.from_dict(spec_dict)
        pygame = _init_display()
        window = pygame.display.set_mode((288, 512))
        pygame.display.set_caption(title)
        font = pygame.font.Font(None, 22)
    except BaseException as e:  # reported to the parent as one line
        status.put(("error", str(e) if isinstance(e, NeuroevoError) else f"{type(e).__name__}: {e}"))
        return
    status.put(("ready", ""))
    headless = os.environ.get("SDL_VIDEODRIVER") == "dummy"
    scene, shown, started, pending, over, final, replays = None, None, 0.0, None, False, False, 0
    clock = pygame.time.Clock()
    while True:
        if any(e.type == pygame.QUIT for e in pygame.event.get()):
            break  # the user closed the window: evolution goes on without it
        try:
            while True:
                msg = inbox.get_nowait()
                if msg is None:
                    pygame.display.quit()
                    return
                if msg == "final":
                    final = True
                else:
                    pending = msg
        except queue.Empty:
            pass
        if final and over and pending is None and shown is not None:
            if headless and replays >= 1:
                break
            genomes, fitness, seed, generation, best_ever = shown  # replay the last generation, a new episode
            pending, replays = (genomes, fitness, seed + 1, generation, best_ever), replays + 1
        if pending is not None and (scene is None or over or time.monotonic() - started >= min_seconds):
            shown, pending = pending, None
            scene, over, started = _build_scene(env_id, spec, env_kwargs, *shown), False, time.monotonic()
            if window.get_size() != tuple(scene.size):
                window = pygame.display.set_mode(scene.size)
        if scene is None:
            window.fill((30, 30, 40))
            window.blit(font.render("waiting for the first generation...", True, (230, 230, 230)), (12, 240))
        else:
            if not over:
                over = not scene.step()
            scene.draw(window)
            assert shown is not None  # set with the scene
            _hud(window, font, shown[3], evolving.value, final)
        pygame.display.flip()
        clock.tick(scene.fps if scene is not None else 30)
    pygame.display.quit()


def _hud(window: Surface, font: Font, shown: int, evolving: int, final: bool) -> None:
    """A strip at the top of the window: which generation is on screen, which one is being evolved."""
    text = (f"generation {shown}, the last: close to exit" if final else
            f"showing gen {shown}, evolving gen {evolving}")
    img = font.render(text, True, (255, 255, 255))
    w, _ = window.get_size()
    window.fill((20, 20, 20), (0, 0, w, img.get_height() + 6))
    window.blit(img, ((w - img.get_width()) // 2, 3))


class LiveView(Callback):
    """``--watch``: generation 1 and every ``every``-th generation (K, 2K, ...), fly that generation in a live
    window; at the end of the run, the last generation, replayed until the window is closed.

    One viewer process is started for the run (``on_run_start``); each watched generation's genomes
    (``record.genomes``), fitness and an episode seed are sent to it without waiting (a generation the
    viewer has not picked up yet is replaced by the newer one). The viewer shows a game's flock scene, or
    the generation's best agent through :class:`GymScene` for other envs; a scene plays to its end, or for
    at least ``min_seconds`` before a newer generation replaces it. Its HUD says which generation is on
    screen and which one is being evolved. Closing the window does not stop the run. In ``on_run_end`` the
    last generation is sent (if it was not) and, with ``keep_open``, the call waits until the window is
    closed (the viewer replays that generation meanwhile); else the window is closed.

    Raises:
        NeuroevoError: in ``on_run_start``, if no window can be opened (one line, no traceback) or the task
            has no environment.
    """

    def __init__(self, every: int = 5, title: str = "neuroevo --watch", min_seconds: float = 8.0,
                 start_timeout: float = 60.0, keep_open: bool = False, say: Callable[[str], object] | None = None):
        self.every, self.title, self.min_seconds, self.start_timeout = int(every), title, min_seconds, start_timeout
        self.keep_open, self.say = keep_open, say
        self.process: BaseProcess | None = None
        self._last: GenerationRecord | None = None
        self._sent: int | None = None

    def on_run_start(self, run: Population) -> None:
        task = run.task
        if not getattr(task, "env_id", None):
            raise NeuroevoError("--watch needs an environment (--env); a user fitness function has nothing to show")
        _check_display("--watch", "run under xvfb-run, or record the best agent afterwards: "
                                  "neuroevo watch RUN --record out.gif")
        ctx = mp.get_context("spawn")
        self.inbox, status = ctx.Queue(maxsize=1), ctx.Queue()
        self.evolving = ctx.Value("i", 1, lock=False)
        self.process = process = ctx.Process(target=_viewer_main, name="neuroevo-live-view", daemon=True,
                                             args=(self.inbox, status, task.env_id, task.spec.to_dict(),
                                                   dict(task.env_kwargs), f"{self.title}: {task.env_id}",
                                                   self.min_seconds, self.evolving))
        process.start()
        try:
            kind, message = status.get(timeout=self.start_timeout)
        except queue.Empty:
            kind, message = "error", f"the viewer did not start within {self.start_timeout:.0f} s"
        if kind != "ready":
            self.close()
            raise NeuroevoError(f"--watch cannot open a window: {message}")

    def on_generation_end(self, record: GenerationRecord) -> None:
        if self.process is None or not self.process.is_alive():
            return
        self.evolving.value = record.generation + 1
        self._last = record
        if record.generation % self.every and record.generation != 1:
            return
        self._send(record)

    def _send(self, record: GenerationRecord) -> None:
        seed = int(np.random.default_rng(record.generation).integers(0, 2**31))
        genomes = np.asarray(record.genomes) if isinstance(record.genomes, np.ndarray) else record.genomes
        msg = (genomes, np.asarray(record.fitness), seed, record.generation, record.best_ever)
        self._sent = record.generation
        try:
            self.inbox.put_nowait(msg)
        except queue.Full:  # the viewer has not taken the previous one: replace it
            try:
                self.inbox.get_nowait()
            except queue.Empty:
                pass
            try:
                self.inbox.put_nowait(msg)
            except queue.Full:
                pass

    def on_run_end(self, result: RunResult) -> None:
        if self.keep_open and self.process is not None and self.process.is_alive() and self._last is not None:
            if self._sent != self._last.generation:
                self._send(self._last)  # always show at least the last generation
            self.evolving.value = self._last.generation
            self.inbox.put("final")
            if self.say is not None:
                self.say(f"--watch: the window replays generation {self._last.generation} until you close it")
            self.process.join()
        self.close()

    def close(self) -> None:
        """Ask the viewer to close its window and wait for it (a few seconds at most)."""
        if self.process is None:
            return
        if self.process.is_alive():
            try:
                self.inbox.get_nowait()  # a generation the viewer has not taken: the close comes first
            except queue.Empty:
                pass
            try:
                self.inbox.put(None, timeout=2.0)
            except queue.Full:
                pass
            self.process.join(timeout=30.0)  # a viewer still building its first scene (loading kernels) answers late
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=2.0)
        self.process = None
