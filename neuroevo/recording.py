"""Writing frames to a file as they are drawn: an animated GIF (Pillow) or an MP4 (imageio's ffmpeg plugin).

Frames are written one by one, never all kept in memory, so a whole long episode can be recorded.

- GIF: the rectangle of each frame that changed is quantized to its own 256-colour palette and appended as
  a GIF89a image block with a local colour table, left in place for the next one (Pillow encodes the frame; the blocks are assembled here following the GIF89a
  specification, https://www.w3.org/Graphics/GIF/spec-gif89a.txt).
- MP4: H.264 through ``imageio-ffmpeg`` (``pip install imageio-ffmpeg``, which ships an ffmpeg binary).
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from neuroevo._typing import StrPath
from neuroevo.errors import NeuroevoError

#: File suffixes :func:`open_writer` can write.
FORMATS = (".gif", ".mp4")


def open_writer(path: StrPath, fps: float) -> GifWriter | Mp4Writer:
    """A writer of ``(H, W, 3)`` uint8 frames to ``path`` (.gif or .mp4) at ``fps`` frames per second.

    The file is written to ``<stem>.part<suffix>`` beside it and moved into place by ``close()`` (atomically).

    Raises:
        NeuroevoError: (one line) another suffix, or .mp4 without imageio-ffmpeg installed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gif":
        return GifWriter(path, fps)
    if suffix == ".mp4":
        return Mp4Writer(path, fps)
    raise NeuroevoError(f"--record writes .gif or .mp4 files, got {path.name!r}")


class _Atomic:
    def __init__(self, path: Path):
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.part = path.with_name(f"{path.stem}.part{path.suffix}")  # the suffix tells ffmpeg the format

    def _commit(self):
        os.replace(self.part, self.path)


class GifWriter(_Atomic):
    """An animated GIF written frame by frame (loops forever)."""

    def __init__(self, path: Path, fps: float):
        super().__init__(path)
        self.delay = max(2, round(100 / fps))  # hundredths of a second (GIF's unit; browsers clamp < 2)
        self.file, self.frames = open(self.part, "wb"), 0
        self.size: tuple[int, int] | None = None
        self.previous: np.ndarray | None = None

    def write(self, frame: np.ndarray) -> None:
        from PIL import Image

        h, w = frame.shape[:2]
        if self.size is None:
            self.size = (w, h)
            # header, logical screen (no global colour table), NETSCAPE2.0 loop forever
            self.file.write(b"GIF89a" + struct.pack("<HHBBB", w, h, 0, 0, 0))
            self.file.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")
        rgb = np.ascontiguousarray(frame[..., :3])
        top, left, bottom, right = 0, 0, h, w
        if self.previous is not None:  # only the rectangle that changed (the rest stays: disposal 1)
            rows, cols = np.nonzero(np.any(rgb != self.previous, axis=2).any(axis=1))[0], \
                np.nonzero(np.any(rgb != self.previous, axis=2).any(axis=0))[0]
            if rows.size:
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            else:
                top, left, bottom, right = 0, 0, 1, 1
        self.previous = rgb
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(rgb[top:bottom, left:right])).quantize(256).save(buf, "GIF")
        self.file.write(_as_local_frame(buf.getvalue(), self.delay, int(left), int(top)))
        self.frames += 1

    def close(self) -> Path:
        self.file.write(b"\x3b")  # trailer
        self.file.close()
        self._commit()
        return self.path


def _as_local_frame(gif: bytes, delay: int, left: int = 0, top: int = 0) -> bytes:
    """The image of a one-frame GIF as a graphic control extension + image block with a local colour table."""
    packed = gif[10]
    pos, table = 13, b""
    if packed & 0x80:  # the single frame's global colour table becomes its local one
        size_bits = packed & 0x07
        table = gif[pos:pos + 3 * (2 << size_bits)]
        pos += len(table)
    while gif[pos] == 0x21:  # skip the file's own extensions
        pos += 2
        while gif[pos]:
            pos += gif[pos] + 1
        pos += 1
    assert gif[pos] == 0x2C, "image descriptor expected"
    descriptor = bytearray(gif[pos:pos + 10])
    descriptor[1:5] = struct.pack("<HH", left, top)  # where the rectangle goes on the screen
    if table:
        descriptor[9] = (descriptor[9] & ~0x07 & 0xFF) | 0x80 | (packed & 0x07)
    data_start = pos + 10 + (3 * (2 << (gif[pos + 9] & 0x07)) if gif[pos + 9] & 0x80 else 0)
    end = data_start + 1  # LZW minimum code size, then sub-blocks up to a zero-length one
    while gif[end]:
        end += gif[end] + 1
    control = b"\x21\xf9\x04" + struct.pack("<BHBB", 0x04, delay, 0, 0)  # disposal: leave in place
    return control + bytes(descriptor) + table + gif[data_start:end + 1]


class Mp4Writer(_Atomic):
    """An H.264 MP4 written frame by frame through imageio's ffmpeg plugin."""

    def __init__(self, path: Path, fps: float):
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise NeuroevoError("--record FILE.mp4 needs ffmpeg: pip install imageio-ffmpeg (or record a .gif)") \
                from None
        import imageio.v2 as imageio

        super().__init__(path)
        # the options as a dict: imageio 2.38.0's stub types `format` as its Format class (a str works, as documented)
        options: dict[str, Any] = {"format": "FFMPEG", "mode": "I", "fps": fps, "codec": "libx264",
                                   "pixelformat": "yuv420p", "macro_block_size": 2}
        self.writer = imageio.get_writer(self.part, **options)
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        self.writer.append_data(np.ascontiguousarray(frame[: h - h % 2, : w - w % 2, :3]))
        self.frames += 1

    def close(self) -> Path:
        self.writer.close()
        self._commit()
        return self.path
