#!/usr/bin/env python3
"""Draws Callwright's app icons (a white "C" handset ring on indigo) as PNG
files and the favicon, using only the standard library. Rerun after changing
the design: python3 scripts/make-icons.py"""
import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "public"
BG = (67, 56, 202)       # indigo-700
FG = (255, 255, 255)


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def coverage(x, y, size, maskable):
    """(background alpha, foreground alpha) of one sample point in [0,1]^2."""
    c = size / 2
    # Background: rounded square, or full bleed for maskable icons.
    if maskable:
        bg = 1.0
    else:
        r = size * 0.22
        dx = max(abs(x - c) - (c - r), 0)
        dy = max(abs(y - c) - (c - r), 0)
        bg = 1.0 if dx * dx + dy * dy <= r * r else 0.0
    # Foreground: a thick open ring (a "C"), opening to the right, with a dot.
    scale = 0.62 if maskable else 0.78   # maskable content stays in the safe zone
    outer = size * 0.36 * scale
    inner = size * 0.22 * scale
    d = math.hypot(x - c, y - c)
    angle = math.degrees(math.atan2(y - c, x - c))
    ring = inner <= d <= outer and abs(angle) > 40
    dot = math.hypot(x - (c + outer * 0.95), y - c) <= (outer - inner) * 0.42
    return bg, 1.0 if (ring or dot) else 0.0


def draw(size, maskable=False, samples=3):
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            bg_sum = fg_sum = 0.0
            for sy in range(samples):
                for sx in range(samples):
                    x = px + (sx + 0.5) / samples
                    y = py + (sy + 0.5) / samples
                    bg, fg = coverage(x, y, size, maskable)
                    bg_sum += bg
                    fg_sum += fg * bg
            n = samples * samples
            a_bg, a_fg = bg_sum / n, fg_sum / n
            alpha = a_bg
            if alpha == 0:
                row += [0, 0, 0, 0]
                continue
            t = a_fg / alpha
            row += [round(BG[i] * (1 - t) + FG[i] * t) for i in range(3)] + [round(alpha * 255)]
        rows.append(row)
    return png(size, size, rows)


def ico(png_bytes, size):
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png_bytes), 6 + 16)
    return header + entry + png_bytes


if __name__ == "__main__":
    (OUT / "icons").mkdir(parents=True, exist_ok=True)
    (OUT / "icons" / "icon-192.png").write_bytes(draw(192))
    (OUT / "icons" / "icon-512.png").write_bytes(draw(512, samples=2))
    (OUT / "icons" / "icon-maskable-512.png").write_bytes(draw(512, maskable=True, samples=2))
    (OUT / "favicon.ico").write_bytes(ico(draw(48), 48))
    print("icons written to", OUT)
