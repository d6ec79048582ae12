"""Tracks: a closed centreline polyline and a width; walls, checkpoints and a wall lookup grid built from them.

A track file is JSON: ``{"name": str, "width": float (pixels), "centreline": [[x, y], ...] (pixels)}``.
The centreline is closed (the last point joins the first, do not repeat it); the car starts at point 0
heading towards point 1 and drives in the order of the points. World coordinates are pixels with y
pointing down, as on the screen.

Built-in tracks (``games/car_track/tracks/*.json``, rising difficulty): ``oval``, ``sbend``, ``hairpin``,
``technical``. They are written by ``python -m games.car_track.build_tracks``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from neuroevo.errors import TaskError

if TYPE_CHECKING:
    from games.car_track.ray_index import RayIndex

TRACK_DIR = Path(__file__).parent / "tracks"
#: Built-in track names, easiest first.
BUILTIN = ("oval", "sbend", "hairpin", "technical")
#: Side (pixels) of a cell of the wall lookup grid (the sensors' grid walk and the collision lists; 20 rather
#: than 40 px: a car near a wall tests 5.5-5.8 walls for a collision instead of 7.4-8.4, and 40-58 % of the cells
#: list none instead of 27-40 %; the car kernel ran 1.05x faster).
GRID_CELL = 20.0
#: Pixels by which a cell of the ray grid is grown when listing the walls that touch it.
RAY_MARGIN = 1e-3
#: What :meth:`Track.kernel_arrays` gives: (centre, arc, walls, meta, cell_start, cell_items, near_start,
#: near_items).
KernelArrays: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                np.ndarray]


@dataclass(frozen=True)
class Track:
    """A closed track.

    Attributes:
        name: the track's name.
        centreline: (N, 2) float64 points in pixels (closed: segment i joins point i to point (i+1) % N).
        width: track width in pixels (wall to wall).
        left, right: (N, 2) float64 wall polylines, the centreline offset by ``width / 2`` to each side
            (miter joins), closed like the centreline.
        arc: (N + 1,) float64 arc length (pixels) of each centreline point from point 0; ``arc[N]`` is
            the lap length. The centreline points are the checkpoints of the progress measure.
    """

    name: str
    centreline: np.ndarray = field(repr=False)
    width: float

    @functools.cached_property
    def left(self) -> np.ndarray:
        return _offset(self.centreline, self.width / 2)

    @functools.cached_property
    def right(self) -> np.ndarray:
        return _offset(self.centreline, -self.width / 2)

    @functools.cached_property
    def arc(self) -> np.ndarray:
        seg = np.roll(self.centreline, -1, axis=0) - self.centreline
        return np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])

    @property
    def length(self) -> float:
        """Lap length along the centreline, pixels."""
        return float(self.arc[-1])

    @functools.cached_property
    def walls(self) -> np.ndarray:
        """(2N, 4) float64 wall segments ``(x0, y0, x1, y1)``: the left wall's N, then the right wall's N."""
        return np.concatenate([_segments(self.left), _segments(self.right)])

    def start_pose(self) -> tuple[float, float, float]:
        """``(x, y, heading)`` of the start: point 0, facing point 1 (heading in radians, atan2(dy, dx))."""
        (x0, y0), (x1, y1) = self.centreline[0], self.centreline[1]
        return float(x0), float(y0), math.atan2(y1 - y0, x1 - x0)

    def bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the walls, pixels, grown by ``margin``."""
        pts = np.concatenate([self.left, self.right])
        lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    @functools.lru_cache(maxsize=8)
    def grid(self, reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Wall lookup grid: for each cell, the wall segments within ``reach`` pixels of any point in it.

        Returns ``(meta, cell_start, cell_items)``: meta (5,) float64 ``(x0, y0, cell, nx, ny)``,
        cell_start (nx * ny + 1,) int64 and cell_items int64 (CSR lists of indices into :attr:`walls`).
        A query within ``reach`` of a point only needs the list of the point's cell: exact, not approximate.
        """
        x0, y0, x1, y1 = self.bounds(margin=GRID_CELL)
        nx, ny = int(math.ceil((x1 - x0) / GRID_CELL)), int(math.ceil((y1 - y0) / GRID_CELL))
        cx = x0 + (np.arange(nx) + 0.5) * GRID_CELL
        cy = y0 + (np.arange(ny) + 0.5) * GRID_CELL
        centres = np.stack(np.meshgrid(cx, cy, indexing="xy"), axis=-1).reshape(-1, 2)  # cell = iy * nx + ix
        d = point_segment_distances(centres, self.walls)  # (cells, segments)
        near = d <= reach + GRID_CELL * math.sqrt(0.5) + 1e-9
        counts = near.sum(axis=1)
        cell_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        cell_items = np.nonzero(near)[1].astype(np.int64)
        meta = np.array([x0, y0, GRID_CELL, nx, ny], dtype=np.float64)
        return meta, cell_start, cell_items

    @functools.lru_cache(maxsize=2)
    def ray_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Wall lookup grid for ray casting: for each cell, the wall segments that touch it.

        Same cells as :meth:`grid`. A segment is listed in every cell its bounding box overlaps, the cell
        grown by ``RAY_MARGIN`` pixels (so rounding at cell borders cannot hide a wall). A ray walked cell
        by cell (Amanatides & Woo, "A fast voxel traversal algorithm for ray tracing", Eurographics 1987)
        meets a wall only in a cell where the wall is listed: exact, not approximate.

        Returns ``(meta, cell_start, cell_items)`` as :meth:`grid`.
        """
        x0, y0, x1, y1 = self.bounds(margin=GRID_CELL)
        nx, ny = int(math.ceil((x1 - x0) / GRID_CELL)), int(math.ceil((y1 - y0) / GRID_CELL))
        w = self.walls
        lo = np.minimum(w[:, 0:2], w[:, 2:4]) - RAY_MARGIN - [x0, y0]
        hi = np.maximum(w[:, 0:2], w[:, 2:4]) + RAY_MARGIN - [x0, y0]
        ilo = np.clip(np.floor(lo / GRID_CELL).astype(np.int64), 0, [nx - 1, ny - 1])
        ihi = np.clip(np.floor(hi / GRID_CELL).astype(np.int64), 0, [nx - 1, ny - 1])
        cell_lists: list[np.ndarray] = []
        item_lists: list[np.ndarray] = []
        for k in range(len(w)):
            ix, iy = np.meshgrid(np.arange(ilo[k, 0], ihi[k, 0] + 1), np.arange(ilo[k, 1], ihi[k, 1] + 1))
            c = (iy * nx + ix).ravel()
            cell_lists.append(c)
            item_lists.append(np.full(c.size, k, dtype=np.int64))
        cells, items = np.concatenate(cell_lists), np.concatenate(item_lists)
        order = np.lexsort((items, cells))
        cell_start = np.concatenate([[0], np.cumsum(np.bincount(cells, minlength=nx * ny))]).astype(np.int64)
        meta = np.array([x0, y0, GRID_CELL, nx, ny], dtype=np.float64)
        return meta, cell_start, items[order]

    @functools.lru_cache(maxsize=4)
    def ray_index(self, reach: float) -> "RayIndex":
        """Direction-binned candidate walls for sensor rays of at most ``reach`` px
        (:func:`games.car_track.ray_index.build_ray_index`; cells of its own finer grid, same origin)."""
        from games.car_track.ray_index import build_ray_index
        return build_ray_index(self.walls, self.centreline, self.width, self.bounds(margin=GRID_CELL), reach)

    def kernel_arrays(self, near_reach: float) -> KernelArrays:
        """The track as the tuple of arrays the Numba kernels take (see ``games.car_track.physics``):
        ``(centre, arc, walls, meta, cell_start, cell_items, near_start, near_items)``, with the wall lists
        of :meth:`ray_grid` (sensors) and of :meth:`grid` for ``near_reach`` (collisions), on the same cells."""
        meta, cell_start, cell_items = self.ray_grid()
        _, near_start, near_items = self.grid(float(near_reach))
        return (np.ascontiguousarray(self.centreline), self.arc, self.walls, meta, cell_start, cell_items,
                near_start, near_items)

    def __hash__(self):
        return hash((self.name, self.width, self.centreline.tobytes()))

    def __eq__(self, other):
        return (isinstance(other, Track) and self.name == other.name and self.width == other.width
                and np.array_equal(self.centreline, other.centreline))

    def to_json(self) -> dict:
        return {"name": self.name, "width": self.width,
                "centreline": [[round(float(x), 3), round(float(y), 3)] for x, y in self.centreline]}


def _segments(poly: np.ndarray) -> np.ndarray:
    return np.concatenate([poly, np.roll(poly, -1, axis=0)], axis=1)


def _offset(poly: np.ndarray, d: float) -> np.ndarray:
    """The closed polyline offset by ``d`` pixels to its left (negative: right), miter joins.

    Left means the side of the normal (dy, -dx) rotated from the direction (dx, dy): with y down on the
    screen, that is the driver's left.
    """
    seg = np.roll(poly, -1, axis=0) - poly
    seg /= np.hypot(seg[:, 0], seg[:, 1])[:, None]
    normal = np.stack([seg[:, 1], -seg[:, 0]], axis=1)  # normal of segment i
    prev = np.roll(normal, 1, axis=0)  # normal of segment i - 1
    miter = normal + prev
    miter /= np.hypot(miter[:, 0], miter[:, 1])[:, None]
    cos_half = np.sum(miter * normal, axis=1)
    return poly + miter * (d / np.maximum(cos_half, 0.25))[:, None]


def point_segment_distances(points: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """(P, S) Euclidean distances from points (P, 2) to segments (S, 4), pixels (NumPy)."""
    a, b = segs[None, :, 0:2], segs[None, :, 2:4]
    p = points[:, None, :]
    ab = b - a
    t = np.clip(np.sum((p - a) * ab, axis=-1) / np.maximum(np.sum(ab * ab, axis=-1), 1e-300), 0.0, 1.0)
    q = a + t[..., None] * ab
    return np.hypot(*(p - q).transpose(2, 0, 1))


def crossing_pairs(segs: np.ndarray, closed_chain: bool = False) -> np.ndarray:
    """(k, 2) index pairs ``i < j`` of segments (S, 4) that intersect (NumPy, all pairs).

    With ``closed_chain`` the segments form one closed polyline, and neighbours (which share an end) are
    not counted.
    """
    a, b = segs[:, None, 0:2], segs[:, None, 2:4]
    c, d = segs[None, :, 0:2], segs[None, :, 2:4]

    def orient(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])

    hit = ((orient(a, b, c) * orient(a, b, d) <= 0) & (orient(c, d, a) * orient(c, d, b) <= 0)
           & (np.maximum(a, b) >= np.minimum(c, d)).all(-1) & (np.maximum(c, d) >= np.minimum(a, b)).all(-1))
    n = len(segs)
    i, j = np.triu_indices(n, k=1)
    keep = hit[i, j]
    if closed_chain:
        keep &= (j - i != 1) & ~((i == 0) & (j == n - 1))
    return np.stack([i[keep], j[keep]], axis=1)


def validate(track: Track) -> Track:
    """Check a track; return it unchanged.

    Raises:
        TaskError: fewer than 4 points, non-finite or repeated points, a non-positive width, a
            self-intersecting centreline, walls that cross (the track is too tight for its width, or two
            parts of it overlap).
    """
    c, name = track.centreline, track.name
    if c.ndim != 2 or c.shape[1] != 2 or len(c) < 4:
        raise TaskError(f"track {name!r}: the centreline needs at least 4 [x, y] points, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise TaskError(f"track {name!r}: the centreline has non-finite coordinates")
    if not (math.isfinite(track.width) and track.width > 0):
        raise TaskError(f"track {name!r}: width must be a positive number of pixels, got {track.width}")
    seg_len = np.diff(track.arc)
    if seg_len.min() < 1e-6:
        raise TaskError(f"track {name!r}: centreline point {int(seg_len.argmin())} repeats the next one")
    pairs = crossing_pairs(_segments(c), closed_chain=True)
    if len(pairs):
        i, j = pairs[0]
        raise TaskError(f"track {name!r} is self-intersecting: centreline segments {i} and {j} cross")
    direction = np.diff(np.concatenate([c, c[:1]]), axis=0)
    for side, wall in (("left", track.left), ("right", track.right)):
        wall_dir = np.diff(np.concatenate([wall, wall[:1]]), axis=0)
        backwards = np.nonzero(np.sum(wall_dir * direction, axis=1) <= 0)[0]
        if len(backwards):
            raise TaskError(f"track {name!r}: its {side} wall turns back near point {backwards[0]} "
                            f"(a bend too tight for width {track.width:g})")
        pairs = crossing_pairs(_segments(wall), closed_chain=True)
        if len(pairs):
            raise TaskError(f"track {name!r}: its {side} wall crosses itself near point {pairs[0][0]} "
                            f"(a bend too tight for width {track.width:g}, or parts too close)")
    both = track.walls
    n = len(c)
    pairs = crossing_pairs(both)
    pairs = pairs[(pairs[:, 0] < n) & (pairs[:, 1] >= n)]
    if len(pairs):
        raise TaskError(f"track {name!r}: the left and right walls cross near point {pairs[0][0]} "
                        f"(parts of the track overlap)")
    return track


def track_from_dict(data: object, name: str = "track") -> Track:
    """A validated :class:`Track` from the JSON form. Raises TaskError on a malformed or invalid track."""
    if not isinstance(data, dict) or "centreline" not in data or "width" not in data:
        raise TaskError(f"track {name!r} must be a JSON object with 'centreline' and 'width'")
    try:
        pts = np.array(data["centreline"], dtype=np.float64)
        width = float(data["width"])
    except (TypeError, ValueError):
        raise TaskError(f"track {name!r}: 'centreline' must be a list of [x, y] numbers "
                        f"and 'width' a number") from None
    if pts.ndim != 2 or pts.shape[1:] != (2,):
        raise TaskError(f"track {name!r}: 'centreline' must be a list of [x, y] pairs, got shape {pts.shape}")
    return validate(Track(str(data.get("name", name)), pts, width))


@functools.lru_cache(maxsize=32)
def load_track(name_or_path: str) -> Track:
    """A built-in track by name (:data:`BUILTIN`) or a track JSON file by path.

    Raises:
        TaskError: unknown name, missing or unreadable file, malformed or self-intersecting track.
    """
    text = str(name_or_path).strip()
    path = TRACK_DIR / f"{text}.json" if text in BUILTIN else Path(text)
    if not path.is_file():
        raise TaskError(f"unknown track {text!r}: give a built-in name ({', '.join(BUILTIN)}) "
                        f"or the path of a track .json file")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TaskError(f"cannot read track file {path}: {type(e).__name__}: {e}") from None
    return track_from_dict(data, name=path.stem)


def load_tracks(spec: str | Iterable[str]) -> tuple[Track, ...]:
    """Tracks from a name, a path, a comma-separated list of them ("oval,sbend"), or a list/tuple.

    Raises:
        TaskError: an empty list, or any track that :func:`load_track` rejects.
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    items = [str(s).strip() for s in items if str(s).strip()]
    if not items:
        raise TaskError("no track given: name one or more of " + ", ".join(BUILTIN))
    return tuple(load_track(s) for s in items)
