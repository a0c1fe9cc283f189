"""Avatars drawn from a random per-profile seed: a symmetric 5x5 pattern, never from the email."""

import hashlib
from functools import lru_cache

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2f6f73", "#6a4c93", "#1d6fa5", "#8a5a00", "#3d7a3d", "#a23b5a", "#51606f", "#7a4e2d"]
BACKGROUND = "#eef1f4"


@lru_cache(maxsize=2048)
def _pattern(seed: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    digest = hashlib.sha256(seed.encode()).digest()
    cells = []
    for row in range(5):
        for column in range(3):
            if digest[1 + row * 3 + column] % 2:
                cells.extend((x, row) for x in sorted({column, 4 - column}))
    return PALETTE[digest[0] % len(PALETTE)], tuple(cells)


def avatar_pattern(seed: str) -> dict:
    """The avatar as data: its colours and the filled cells of its 5x5 grid as [x, y] pairs,
    for a script that draws it itself (the call screen) rather than take markup."""
    colour, cells = _pattern(seed)
    return {"colour": colour, "background": BACKGROUND, "cells": [list(cell) for cell in cells]}


@lru_cache(maxsize=2048)
def avatar_svg(seed: str, size: int = 40) -> SafeString:
    colour, cells = _pattern(seed)
    body = mark_safe(  # noqa: S308 - built from integers only
        "".join(f'<rect x="{x}" y="{y}" width="1" height="1"/>' for x, y in cells)
    )
    return format_html(
        '<svg class="avatar" aria-hidden="true" focusable="false" width="{}" height="{}" '
        'viewBox="-0.5 -0.5 6 6" xmlns="http://www.w3.org/2000/svg">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="{}"/><g fill="{}">{}</g></svg>',
        size,
        size,
        BACKGROUND,
        colour,
        body,
    )
