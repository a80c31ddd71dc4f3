"""Initiatives' photos: bytes of an upload against its re-encoded widths, and the time to prepare them.

Two uploads made in the run (no file downloaded): a 12-megapixel phone photo (JPEG quality 92 with GPS
EXIF, photo-like texture) and a 2000 × 1500 PNG. For each: the original's bytes, each served width's bytes
and its ratio to the original, the median time of `prepare` (decode, turn, convert, resize, encode), and
what WebP at the same widths would weigh against the JPEG served (the format choice, see images.py).

Run: .venv/bin/python benchmarks/photos.py [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFilter

from budgetcitoyen.initiatives import images


def photo_like(width: int, height: int) -> Image.Image:
    """Smooth light, shapes with soft edges and sensor-like grain: compresses like a real photo."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), (90, 140, 200))
    image = Image.blend(base, tint, 0.5)
    draw = ImageDraw.Draw(image)
    for n in range(60):
        x, y = (n * 7919) % width, (n * 104729) % height
        r = 40 + (n * 37) % 300
        draw.ellipse((x - r, y - r, x + r, y + r), fill=((n * 53) % 256, (n * 91) % 256, (n * 29) % 256))
    for n in range(6000):  # foliage, bricks, faces: detail that survives the reduction to 960 px
        x, y = (n * 7919) % width, (n * 104729) % height
        r = 4 + (n * 13) % 30
        draw.ellipse((x - r, y - r, x + r, y + r), fill=((n * 17) % 256, (n * 43) % 256, (n * 71) % 256))
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(image, grain, 0.12)


def phone_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (50.0, 17.0, 29.5), "E", (2.0, 46.0, 52.0)
    out = io.BytesIO()
    photo_like(4000, 3000).save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def screenshot_png() -> bytes:
    out = io.BytesIO()
    photo_like(2000, 1500).save(out, "PNG")
    return out.getvalue()


def webp_bytes(rendition: images.Rendition) -> int:
    out = io.BytesIO()
    Image.open(io.BytesIO(rendition.data)).save(out, "WEBP", quality=images.QUALITY)
    return len(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {runs} runs each")
    for label, data in (("12 MP phone JPEG (q92, GPS EXIF)", phone_jpeg()),
                        ("2000 x 1500 PNG", screenshot_png())):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            prepared = images.prepare(data)
            times.append(time.perf_counter() - started)
        median = statistics.median(times) * 1000
        print(f"\n{label}: {len(data):,} bytes uploaded; prepare median {median:.0f} ms")
        for rendition in prepared.renditions:
            webp = webp_bytes(rendition)
            print(f"  {rendition.width:>4} x {rendition.height:<4} JPEG {len(rendition.data):>9,} bytes"
                  f" = 1/{len(data) / len(rendition.data):.0f} of the upload;"
                  f" WebP would be {webp / len(rendition.data):.2f} x the JPEG")
        kept = sum(len(r.data) for r in prepared.renditions)
        print(f"  every width together: {kept:,} bytes = {kept / len(data):.3f} x the upload")


if __name__ == "__main__":
    main()
