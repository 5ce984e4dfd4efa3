"""A small PNG reader for the screenshot checks: 8-bit RGB or RGBA, non-interlaced (what Chromium writes).

Reads the chunks with struct, inflates with zlib and undoes the row filters (PNG spec, section 9),
so the tests can count colours (with numpy) without an imaging library.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int
    pixels: bytes  # rows of width * channels bytes, filters undone

    def rgb(self) -> npt.NDArray[np.uint8]:
        return np.frombuffer(self.pixels, dtype=np.uint8).reshape(-1, self.channels)[:, :3]

    def colours(self) -> int:
        """How many distinct colours (alpha dropped)."""
        rgb = self.rgb().astype(np.uint32)
        return len(np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]))

    def non_white_share(self) -> float:
        rgb = self.rgb()
        return float(np.mean(np.any(rgb < 250, axis=1))) if len(rgb) else 0.0


def header(data: bytes) -> tuple[int, int, int, int, int]:
    """(width, height, bit depth, colour type, interlace) from the IHDR chunk."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13:
        raise ValueError("PNG without IHDR first")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return width, height, depth, colour, interlace


def decode(data: bytes) -> Image:
    width, height, depth, colour, interlace = header(data)
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    channels = 3 if colour == 2 else 4
    idat = bytearray()
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    out = bytearray(stride * height)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], np.frombuffer(raw, np.uint8, stride, start + 1).copy(), prev, channels)
        out[y * stride : (y + 1) * stride] = row.tobytes()
        prev = row
    return Image(width=width, height=height, channels=channels, pixels=bytes(out))


def _unfilter(kind: int, row: npt.NDArray[np.uint8], prev: npt.NDArray[np.uint8], bpp: int) -> npt.NDArray[np.uint8]:
    """One row with its filter undone: None, Sub and Up with numpy; Average and Paeth byte by byte."""
    if kind == 0:
        return row
    if kind == 1:  # each byte adds the one bpp to its left: a running sum per channel, modulo 256
        return np.cumsum(row.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
    if kind == 2:
        wrapped: npt.NDArray[np.uint8] = row + prev  # uint8 arithmetic wraps modulo 256
        return wrapped
    if kind not in (3, 4):
        raise ValueError(f"bad PNG filter type {kind}")
    cur, up = bytearray(row.tobytes()), prev.tobytes()
    for i in range(len(cur)):
        a = cur[i - bpp] if i >= bpp else 0
        b = up[i]
        if kind == 3:
            cur[i] = (cur[i] + ((a + b) >> 1)) & 0xFF
            continue
        c = up[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return np.frombuffer(bytes(cur), dtype=np.uint8)
