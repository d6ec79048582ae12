"""Car on a track: geometry and physics against plain-NumPy references, env against kernel, tracks, rendering."""

import json
import math
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import games  # noqa: F401  (registers the ids)
from games.car_track import physics as ph
from games.car_track.env import CarTrackEnv
from games.car_track.kernel import population_episodes, population_fitness
from games.car_track.track import BUILTIN, load_track, load_tracks
from neuroevo.errors import TaskError
from neuroevo.network import Network, NetworkSpec
from neuroevo.policy import observation_to_input, output_to_action
from tests.games import naive_car as naive

SPEC = NetworkSpec.build(6, (8,), 2, "tanh", "tanh")
SPEC_D = NetworkSpec.build(6, (8,), 5, "tanh", "linear")


def _inside_points(track, rng, n):
    """Random points on the track (between the walls) near the centreline."""
    i = rng.integers(len(track.centreline), size=n)
    t = rng.uniform(-0.45, 0.45, size=n)[:, None]
    return track.centreline[i] + t * (track.left[i] - track.right[i])


@pytest.mark.parametrize("name", BUILTIN)
def test_ray_cast_matches_naive(name):
    track = load_track(name)
    arrays = ph.track_arrays(track, 200.0)
    rng = np.random.default_rng(1)
    dists = []
    for (x, y), a in zip(_inside_points(track, rng, 150), rng.uniform(-math.pi, math.pi, 150)):
        got = ph.ray_cast(x, y, a, 200.0, *arrays[2:6])
        want = naive.ray_cast(track.walls, x, y, a, 200.0)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9)
        dists.append(got)
    assert 0 < min(dists) < 50 and max(dists) == 200.0  # both near hits and rays out of range were tested


@pytest.mark.parametrize("name", BUILTIN)
def test_collision_matches_naive(name):
    track = load_track(name)
    arrays = ph.track_arrays(track, 200.0)
    rng = np.random.default_rng(2)
    i = rng.integers(len(track.centreline), size=300)
    t = rng.uniform(-0.7, 0.7, size=300)[:, None]  # some inside, some across a wall
    pts = track.centreline[i] + t * (track.left[i] - track.right[i])
    results = []
    for (x, y), h in zip(pts, rng.uniform(-math.pi, math.pi, 300)):
        got = ph.hits_wall(x, y, h, arrays[2], arrays[3], arrays[6], arrays[7])
        assert got == naive.hits_wall(track.walls, x, y, h)
        results.append(got)
    assert 30 < sum(results) < 270


def test_corners_match_rotation_matrix():
    out = np.empty((4, 2))
    for x, y, h in [(0.0, 0.0, 0.0), (10.0, -3.0, 1.0), (400.0, 300.0, -2.5)]:
        ph.car_corners(x, y, h, out)
        np.testing.assert_allclose(out, naive.corners(x, y, h), atol=1e-12)
    ph.car_corners(0.0, 0.0, 0.0, out)  # heading 0 faces +x; the first corner is front-left (y < 0 is left)
    np.testing.assert_allclose(out[0], [ph.CAR_LENGTH / 2, -ph.CAR_WIDTH / 2])


def test_projection_matches_naive():
    track = load_track("hairpin")
    rng = np.random.default_rng(3)
    for (x, y) in _inside_points(track, rng, 200):
        seg = int(np.argmin(np.hypot(*(track.centreline - [x, y]).T)))
        start = (seg + int(rng.integers(-3, 4))) % len(track.centreline)
        got = ph.project(track.centreline, track.arc, x, y, start, ph.PROJECTION_WINDOW)
        want = naive.project(track.centreline, track.arc, x, y, start, ph.PROJECTION_WINDOW)
        assert got[0] == want[0] and got[1] == pytest.approx(want[1], abs=1e-9)


@pytest.mark.parametrize("name", BUILTIN)
def test_packed_projection_gives_the_scalar_bits(name):
    """``project_rows`` (the window's segments in packed registers, loaded from the padded columns of
    ``segment_rows``) returns exactly ``project``'s segment and arc length, windows that wrap round the
    start of the centreline included."""
    from games.car_track.simd_progress import LANES, segment_rows

    track = load_track(name)
    centre, arc = track.centreline, track.arc
    rows = segment_rows(centre, arc)
    n = len(centre)
    assert rows.shape == (8, n + LANES) and np.array_equal(rows[:, n:], rows[:, :LANES])
    rng = np.random.default_rng(4)
    points = _inside_points(track, rng, 400)
    starts = rng.integers(0, n, 400)
    starts[:40] = rng.integers(n - ph.PROJECTION_WINDOW - 1, n, 40)  # windows across the wrap
    starts[40:80] = rng.integers(0, ph.PROJECTION_WINDOW + 1, 40)
    for (x, y), seg in zip(points, starts):
        want = ph.project(centre, arc, x, y, int(seg), ph.PROJECTION_WINDOW)
        assert ph.project_rows(rows, centre, arc, x, y, int(seg), ph.PROJECTION_WINDOW) == want
    assert ph.project_rows(ph.NO_ROWS, centre, arc, 10.0, 10.0, 0, ph.PROJECTION_WINDOW) == \
        ph.project(centre, arc, 10.0, 10.0, 0, ph.PROJECTION_WINDOW)


@pytest.mark.parametrize("name", ["oval", "technical"])
def test_advance_matches_naive_over_episodes(name):
    """Whole episodes of random driving: same states, rewards and ends as the NumPy reference."""
    track = load_track(name)
    arrays = ph.track_arrays(track, 200.0)
    rng = np.random.default_rng(4)
    ends = set()
    for episode in range(12):
        a = np.zeros(ph.STATE_SIZE)
        ph.reset(a, arrays[0], arrays[1], track.width, rng.uniform(-1, 1), rng.uniform(-1, 1))
        b = a.copy()
        steer_bias = rng.uniform(-0.3, 0.3)
        for t in range(3000):
            steer, throttle = steer_bias + rng.normal(0, 0.2), rng.uniform(-0.2, 1.0)
            r1, s1 = ph.advance(a, steer, throttle, 1, *arrays)
            r2, s2 = naive.advance(b, steer, throttle, 1, track)
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-8)
            assert r1 == pytest.approx(r2, abs=1e-12) and s1 == s2, (episode, t)
            if s1:
                ends.add(s1)
                break
    assert ph.CRASHED in ends


def test_progress_counts_only_new_ground():
    """Driving backwards earns nothing, and earns nothing again when the lost ground is made up."""
    track = load_track("oval")
    arrays = ph.track_arrays(track, 200.0)
    s = np.zeros(ph.STATE_SIZE)
    ph.reset(s, arrays[0], arrays[1], track.width, 0.0, 0.0)
    forward = sum(ph.advance(s, 0.0, 1.0, 3, *arrays)[0] for _ in range(20))
    assert forward == pytest.approx(s[ph.PROGRESS] / track.length) and forward > 0
    s[ph.HEADING] += math.pi  # turn around and drive back towards the start line
    back = [ph.advance(s, 0.0, 0.3, 3, *arrays) for _ in range(20)]
    assert all(r == 0.0 for r, _ in back) and s[ph.TOTAL] < s[ph.PROGRESS] - 50
    best = s[ph.PROGRESS]
    s[ph.HEADING] -= math.pi
    again = [ph.advance(s, 0.0, 0.3, 3, *arrays)[0] for _ in range(30)]
    assert sum(again) == pytest.approx((s[ph.PROGRESS] - best) / track.length)
    assert again[0] == 0.0 and again[-1] > 0.0


def test_reversing_over_the_start_line_gives_no_lap():
    track = load_track("oval")
    arrays = ph.track_arrays(track, 200.0)
    s = np.zeros(ph.STATE_SIZE)
    ph.reset(s, arrays[0], arrays[1], track.width, 0.0, 0.0)
    s[ph.HEADING] += math.pi
    total = sum(ph.advance(s, 0.0, 0.5, 3, *arrays)[0] for _ in range(40))
    assert total == 0.0 and s[ph.LAPS] == 0 and s[ph.TOTAL] < -100


def test_stopped_car_is_stalled_after_three_seconds():
    env = CarTrackEnv()
    env.reset(seed=0)
    for t in range(1, 200):
        _, r, term, trunc, info = env.step(np.array([0.0, 0.0], np.float32))
        if term or trunc:
            break
    assert trunc and not term and info["stalled"] and t == round(ph.STALL_TIME / ph.DT)


def _wall_follower(obs):
    """A hand-written driver: steer away from the nearer side wall, slow down when the front is close."""
    steer = 2.5 * (obs[3] + obs[4] - obs[0] - obs[1])
    target_speed = 0.15 + 0.6 * obs[2]
    return np.array([np.clip(steer, -1, 1), np.clip(4.0 * (target_speed - obs[5]), -1, 1)], np.float32)


@pytest.mark.parametrize("name", BUILTIN)
def test_hand_driver_completes_three_laps(name):
    """The tracks are drivable, and a finished episode counts 3 laps with their time bonuses."""
    env = gym.make("neuroevo/CarTrack-v0", track=name)
    obs, info = env.reset(seed=1)
    total, done = 0.0, False
    while not done:
        obs, r, term, trunc, info = env.step(_wall_follower(obs))
        total += r
        done = term or trunc
    assert term and not info["crashed"] and info["laps"] == 3
    assert 3.0 < total < 3.0 + 3 * ph.LAP_BONUS and info["progress"] >= 3.0


def _env_returns(env_kwargs, spec, genomes, seeds):
    env = gym.make("neuroevo/CarTrack-v0", **env_kwargs)
    to_input, to_action = observation_to_input(env.observation_space), output_to_action(env.action_space)
    out = []
    for g in genomes:
        net = Network(spec, g)
        for seed in seeds:
            obs, info = env.reset(seed=int(seed))
            total, steps, done = 0.0, 0, False
            while not done:
                obs, r, term, trunc, info = env.step(to_action(net(to_input(obs))))
                total += r
                steps += 1
                done = term or trunc
            out.append((total, steps, info["laps"], info["track"]))
    return out


@pytest.mark.parametrize("continuous", [True, False])
def test_kernel_equals_env_step_for_step(continuous):
    spec = SPEC if continuous else SPEC_D
    genomes = spec.init_genomes(np.random.default_rng(7), 12) * 3.0
    if not continuous:  # favour full throttle (action 3) a little, so that cars go somewhere
        genomes[:, spec.layer_offsets[-2] + spec.sizes[-2] * 5 + 3] += 1.5
    seeds = [0, 5]
    kw = dict(track="sbend", continuous=continuous, max_episode_steps=400)
    ep = population_episodes(spec, genomes, seeds, **kw)
    env_out = _env_returns(kw, spec, genomes, seeds)
    got = [(ep.returns[p, 0, k], ep.laps[p, 0, k]) for p in range(12) for k in range(2)]
    assert [(r, lap) for r, _, lap, _ in env_out] == got
    assert ep.env_steps == sum(n for _, n, _, _ in env_out) == ep.steps.sum()
    assert [n for _, n, _, _ in env_out] == list(ep.steps[:, 0].ravel())
    assert len({round(r, 6) for r, *_ in env_out}) > 4  # a real spread of episodes


def test_multi_track_env_picks_by_seed_and_kernel_averages_tracks():
    genomes = SPEC.init_genomes(np.random.default_rng(8), 6) * 2.0
    seeds = list(range(6))
    kw = dict(track="oval,hairpin", max_episode_steps=300)
    ep = population_episodes(SPEC, genomes, seeds, **kw)
    env_out = _env_returns(kw, SPEC, genomes, seeds)
    picked = {name for *_, name in env_out}
    assert picked == {"oval", "hairpin"}
    for i, (total, _, _, name) in enumerate(env_out):
        p, k = divmod(i, len(seeds))
        assert total == ep.returns[p, ep.tracks.index(name), k]
    fit, steps = population_fitness(SPEC, genomes, seeds, **kw)
    np.testing.assert_array_equal(fit, ep.returns.mean(axis=(1, 2)))
    parts = [population_fitness(SPEC, genomes[a:b], seeds, **kw)[0] for a, b in ((0, 2), (2, 6))]
    np.testing.assert_array_equal(np.concatenate(parts), fit)


@pytest.mark.parametrize("kwargs", [{}, {"continuous": False}, {"track": "oval,technical"},
                                    {"sensor_angles": [-90, 0, 90], "sensor_range": 120.0}])
def test_check_env(kwargs):
    check_env(gym.make("neuroevo/CarTrack-v0", render_mode="rgb_array", **kwargs).unwrapped)


def _write(tmp_path, data, name="t.json"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(p)


def test_user_track_file_loads(tmp_path):
    square = {"width": 40, "centreline": [[0, 0], [300, 0], [300, 300], [0, 300]]}
    env = CarTrackEnv(track=_write(tmp_path, square, "square.json"))
    assert env.track.name == "square" and env.track.length == 1200.0


@pytest.mark.parametrize("data, match", [
    ("{not json", "cannot read track file"),
    ({"width": 40}, "'centreline' and 'width'"),
    ({"width": 40, "centreline": [[0, 0], [1, 1], [2, 0]]}, "at least 4"),
    ({"width": -5, "centreline": [[0, 0], [300, 0], [300, 300], [0, 300]]}, "width must be a positive"),
    ({"width": 40, "centreline": [[0, 0], ["a", 0], [300, 300], [0, 300]]}, "list of \\[x, y\\] numbers"),
    ({"width": 40, "centreline": [[0, 0], [300, 300], [300, 0], [0, 300]]}, "self-intersecting"),
    ({"width": 400, "centreline": [[0, 0], [300, 0], [300, 300], [0, 300]]}, "wall turns back"),
    ({"width": 60, "centreline": [[0, 0], [300, 0], [300, 300], [150, 20], [0, 300]]}, "wall crosses itself"),
    ({"width": 60, "centreline": [[0, 0], [600, 0], [600, 300], [330, 300], [300, 40], [270, 300], [0, 300]]},
     "wall crosses itself"),  # two parts of the track too close
    ({"width": 40, "centreline": [[0, 0], [300, 0], [300, 0], [0, 300]]}, "repeats"),
])
def test_bad_tracks_raise_one_line_task_errors(tmp_path, data, match):
    path = _write(tmp_path, data)
    with pytest.raises(TaskError, match=match) as e:
        CarTrackEnv(track=path)
    assert "\n" not in str(e.value)


def test_unknown_track_and_bad_options():
    with pytest.raises(TaskError, match="unknown track 'moon'"):
        load_tracks("oval,moon")
    with pytest.raises(TaskError, match="laps"):
        CarTrackEnv(laps=0)
    with pytest.raises(TaskError, match="sensor_range"):
        CarTrackEnv(sensor_range=-1)
    with pytest.raises(ValueError, match="6-input, 2-output"):
        population_fitness(NetworkSpec.build(4, (), 2), np.zeros((1, 10)), [0])


def test_rgb_array_render_shows_track_and_car():
    env = gym.make("neuroevo/CarTrack-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    colours = {tuple(c) for c in frame.reshape(-1, 3)[::7]}
    from games.car_track import render
    assert {render.GRASS, render.ASPHALT} <= colours
    assert np.all(frame.reshape(-1, 3) == (250, 200, 40), axis=1).sum() > 50  # the car's body


def test_flock_scene_drives_every_car_like_the_kernel():
    import pygame

    from games.car_track.render import make_flock_scene

    genomes = SPEC.init_genomes(np.random.default_rng(9), 10) * 2.0
    scene = make_flock_scene(SPEC, genomes, 3, generation=4, best_fitness=1.5, track="sbend",
                             max_episode_steps=200)
    surface = pygame.Surface(scene.size)
    frames = 0
    while scene.step():
        frames += 1
        if frames % 50 == 0:
            scene.draw(surface)
    ep = population_episodes(SPEC, genomes, [3], track="sbend", max_episode_steps=200)
    np.testing.assert_array_equal(scene.returns, ep.returns[:, 0, 0])
    assert frames == min(200, ep.steps.max())  # stopped when every car stopped, or at the time limit
    assert scene.size == surface.get_size() and scene.fps == 20


@pytest.mark.parametrize("name", BUILTIN)
def test_indexed_ray_cast_equals_brute_force(name):
    """The grid walk returns exactly the distance of the cast against every wall, on many random rays:
    from anywhere in the grid (on and off the track), in any direction (axis-aligned ones included),
    with short, sensor and unbounded ranges."""
    track = load_track(name)
    arrays = ph.track_arrays(track, 200.0)
    walls, meta = arrays[2], arrays[3]
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.uniform(meta[0], meta[0] + meta[2] * meta[3], n)
    y = rng.uniform(meta[1], meta[1] + meta[2] * meta[4], n)
    x[:500], y[:500] = _inside_points(track, rng, 500).T
    x[500:600] = meta[0] + meta[2] * rng.integers(1, int(meta[3]), 100)  # starts on cell borders
    angles = rng.uniform(-math.pi, math.pi, n)
    angles[::7] = rng.integers(-4, 5, angles[::7].size) * (math.pi / 2)
    hits = 0
    for max_range in (5.0, 200.0, 1e9):
        for px, py, a in zip(x, y, angles):
            got = ph.ray_cast(px, py, a, max_range, *arrays[2:6])
            assert got == ph.ray_cast_brute(px, py, a, max_range, walls), (px, py, a, max_range)
            hits += got < max_range
    assert hits > n  # most rays hit a wall
    outside = ph.ray_cast(meta[0] - 50.0, meta[1] - 50.0, 0.7, 1e9, *arrays[2:6])  # off the grid: brute force
    assert outside == ph.ray_cast_brute(meta[0] - 50.0, meta[1] - 50.0, 0.7, 1e9, walls) < 1e9


def test_ray_grid_lists_every_wall_in_the_cells_its_box_touches():
    track = load_track("hairpin")
    meta, start, items = track.ray_grid()
    nx = int(meta[3])
    for k, (ax, ay, bx, by) in enumerate(track.walls):
        for px, py in ((ax, ay), (bx, by), ((ax + bx) / 2, (ay + by) / 2)):
            c = int((py - meta[1]) // meta[2]) * nx + int((px - meta[0]) // meta[2])
            assert k in items[start[c]:start[c + 1]]
    assert np.all(np.diff(start) >= 0) and start[-1] == len(items)
