"""Avatars drawn from a random per-profile seed: a symmetric 5x5 pattern, never from the email."""

import hashlib
from functools import lru_cache

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2f6f73", "#6a4c93", "#1d6fa5", "#8a5a00", "#3d7a3d", "#a23b5a", "#51606f", "#7a4e2d"]


@lru_cache(maxsize=2048)
def avatar_svg(seed: str, size: int = 40) -> SafeString:
    digest = hashlib.sha256(seed.encode()).digest()
    colour = PALETTE[digest[0] % len(PALETTE)]
    cells = []
    for row in range(5):
        for column in range(3):
            if digest[1 + row * 3 + column] % 2:
                for x in {column, 4 - column}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    body = mark_safe("".join(cells))  # noqa: S308 - built from integers only
    return format_html(
        '<svg class="avatar" aria-hidden="true" focusable="false" width="{}" height="{}" '
        'viewBox="-0.5 -0.5 6 6" xmlns="http://www.w3.org/2000/svg">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="#eef1f4"/><g fill="{}">{}</g></svg>',
        size,
        size,
        colour,
        body,
    )
