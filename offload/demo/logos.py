"""Simple brand logos for the demo: the brand's initials on its primary colour, as PNG."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

SIZE = 128


def initials(name: str) -> str:
    """The first letters of the first two words: "Harbour Lane Service Desk" → "HL"."""
    words = [word for word in name.replace("-", " ").split() if word[:1].isalpha()]
    return "".join(word[0].upper() for word in words[:2]) or "?"


def logo_png(*, name: str, color: str, accent: str) -> bytes:
    """A square PNG logo; the same arguments always give the same bytes."""
    image = Image.new("RGB", (SIZE, SIZE), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, SIZE - 14, SIZE, SIZE), fill=accent)
    font = ImageFont.load_default(size=56)
    draw.text((SIZE / 2, (SIZE - 14) / 2), initials(name), fill="#ffffff", font=font, anchor="mm")
    buffer = io.BytesIO()
    # No timestamps or other metadata: identical bytes on every run keep the loader idempotent.
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
