"""Write the built-in track files: ``python -m games.car_track.build_tracks``.

Each track is a closed centripetal Catmull-Rom spline (Yuksel, Schaefer & Keyser 2011) through hand-placed
control points (pixels, y down), resampled every ``SPACING`` pixels of arc length.
"""

import json
from pathlib import Path

import numpy as np

from games.car_track.track import TRACK_DIR

SPACING = 10.0  # pixels between centreline points

DESIGNS = {
    # name: (width in pixels, control points)
    "oval": (90.0, None),  # a stadium, built exactly below
    "sbend": (72.0, [(140, 120), (560, 110), (760, 170), (800, 330), (660, 420), (470, 360), (300, 330),
                     (230, 440), (330, 560), (600, 590), (700, 590), (790, 610), (830, 670), (790, 730), (700, 750), (420, 750), (160, 680),
                     (90, 420), (90, 220)]),
    "hairpin": (76.0, [(120, 110), (700, 110), (860, 180), (860, 300), (720, 320), (320, 300), (230, 320),
                       (200, 380), (230, 440), (320, 460), (720, 440), (860, 480), (880, 620), (760, 700), (300, 700), (120, 640),
                       (80, 400), (80, 220)]),
    "technical": (62.0, [(120, 100), (400, 90), (470, 170), (570, 170), (640, 100), (860, 110), (960, 220),
                         (880, 330), (720, 310), (630, 350), (640, 440), (760, 490), (960, 500), (1000, 640),
                         (880, 760), (660, 740), (600, 640), (520, 640), (450, 710), (300, 780), (140, 720), (200, 560),
                         (310, 540), (370, 470), (330, 390), (240, 370), (150, 400), (90, 340), (70, 280), (70, 170)]),
}


def catmull_rom_closed(ctrl: np.ndarray, per_segment: int = 64) -> np.ndarray:
    """Dense points of the closed centripetal Catmull-Rom spline through ``ctrl`` (K, 2)."""
    k = len(ctrl)
    out = []
    for i in range(k):
        p0, p1, p2, p3 = (ctrl[(i + j - 1) % k] for j in range(4))
        t0 = 0.0
        t1 = t0 + np.linalg.norm(p1 - p0) ** 0.5
        t2 = t1 + np.linalg.norm(p2 - p1) ** 0.5
        t3 = t2 + np.linalg.norm(p3 - p2) ** 0.5
        t = np.linspace(t1, t2, per_segment, endpoint=False)[:, None]
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        out.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    return np.concatenate(out)


def resample_closed(ctrl: np.ndarray, spacing: float) -> np.ndarray:
    """The closed spline through ``ctrl`` resampled at equal arc-length steps of about ``spacing`` pixels."""
    dense = catmull_rom_closed(ctrl)
    closed = np.concatenate([dense, dense[:1]])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(closed, axis=0).T))])
    n = int(round(s[-1] / spacing))
    u = np.arange(n) * s[-1] / n
    return np.stack([np.interp(u, s, closed[:, 0]), np.interp(u, s, closed[:, 1])], axis=1)


def stadium(cx: float = 470.0, cy: float = 380.0, straight: float = 440.0, radius: float = 210.0,
            spacing: float = SPACING) -> np.ndarray:
    """(N, 2) points of a stadium (two straights, two half circles), clockwise on screen from the top left."""
    n_arc = int(round(np.pi * radius / spacing))
    n_str = int(round(straight / spacing))
    top = np.stack([cx - straight / 2 + np.arange(n_str) * straight / n_str, np.full(n_str, cy - radius)], 1)
    a = -np.pi / 2 + np.arange(n_arc) * np.pi / n_arc
    right = np.stack([cx + straight / 2 + radius * np.cos(a), cy + radius * np.sin(a)], 1)
    bottom = np.array([2 * cx, 2 * cy]) - top  # the top half turned by 180 degrees about the centre
    left = np.array([2 * cx, 2 * cy]) - right
    return np.concatenate([top, right, bottom, left])


def build(out_dir: Path) -> list[Path]:
    paths = []
    for name, (width, ctrl) in DESIGNS.items():
        pts = stadium() if ctrl is None else resample_closed(np.asarray(ctrl, float), SPACING)
        path = out_dir / f"{name}.json"
        data = {"name": name, "width": width,
                "centreline": [[round(float(x), 2), round(float(y), 2)] for x, y in pts]}
        path.write_text(json.dumps(data) + "\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build(TRACK_DIR):
        print("wrote", p)
