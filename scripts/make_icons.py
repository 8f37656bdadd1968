"""Draw the app icons (any-purpose, maskable, Apple touch) with Pillow.

Run `make icons` after changing the design; the PNGs are committed because
browsers and the worker need them at fixed URLs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 78, 162, 255)
YELLOW = (255, 194, 14, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
SCALE = 4  # draw large, then shrink: smooth edges without an anti-aliasing library


def envelope(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], line: int) -> None:
    """A white envelope with a yellow flap: the post office, in one glance."""
    left, top, right, bottom = box
    mid = (left + right) / 2
    draw.rounded_rectangle(box, radius=line * 2, fill=WHITE)
    flap = [(left + line, top + line), (mid, top + (bottom - top) * 0.58), (right - line, top + line)]
    draw.polygon(flap, fill=YELLOW)
    draw.line([(left + line, bottom - line), (mid - line * 2, top + (bottom - top) * 0.5)], fill=BLUE, width=line)
    draw.line([(right - line, bottom - line), (mid + line * 2, top + (bottom - top) * 0.5)], fill=BLUE, width=line)


def icon(size: int, *, maskable: bool) -> Image.Image:
    """One square icon; maskable ones fill the square and keep the art in the safe zone."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        margin = big * 0.25
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BLUE)
        margin = big * 0.17
    if not maskable:
        draw.rectangle((0, big * 0.86, big, big), fill=YELLOW)
    height = (big - 2 * margin) * 0.7
    top = (big - height) / 2 - (big * 0.03 if not maskable else 0)
    envelope(draw, (margin, top, big - margin, top + height), line=max(2, big // 48))
    if not maskable:
        mask = Image.new("L", (big, big), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=255)
        image.putalpha(mask)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def save_small(image: Image.Image, name: str) -> None:
    """Save as a 64-colour palette PNG: a third of the bytes, no visible loss for flat art."""
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)


def main() -> None:
    """Write every icon the manifest and pages name."""
    OUT.mkdir(parents=True, exist_ok=True)
    save_small(icon(192, maskable=False), "icon-192.png")
    save_small(icon(512, maskable=False), "icon-512.png")
    save_small(icon(512, maskable=True), "maskable-512.png")
    apple = Image.new("RGBA", (180, 180), BLUE)
    apple.alpha_composite(icon(180, maskable=True))
    save_small(apple.convert("RGB"), "apple-touch-icon.png")
    for name in sorted(p.name for p in OUT.glob("*.png")):
        print(f"wrote static/icons/{name}")


if __name__ == "__main__":
    main()
