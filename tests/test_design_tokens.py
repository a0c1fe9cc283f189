"""The design system's colour tokens (static/css/kindred.css, docs/design.md) meet WCAG AA in
both colour schemes: 4.5:1 for text, 3:1 for focus rings and control borders."""

import re
from pathlib import Path

import pytest
from django.conf import settings

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "kindred.css"

# (foreground, background, minimum ratio)
TEXT_PAIRS = [
    ("ink", "paper"), ("ink", "panel"), ("muted", "paper"), ("muted", "panel"),
    ("accent", "paper"), ("accent", "panel"), ("accent-ink", "accent"),
    ("danger", "panel"), ("danger", "paper"), ("danger-ink", "danger"), ("ok", "panel"),
    ("ink", "accent-soft"), ("accent", "accent-soft"), ("ink", "danger-soft"),
    ("danger", "danger-soft"), ("ink", "ok-soft"), ("ok", "ok-soft"), ("ink", "warning-soft"),
    ("warning-ink", "warning-soft"), ("ink", "hover"), ("accent", "hover"), ("muted", "hover"),
]  # fmt: skip
NON_TEXT_PAIRS = [("focus", "paper"), ("focus", "panel"), ("line-strong", "panel")]


def _schemes() -> dict[str, dict[str, str]]:
    css = STYLESHEET.read_text()
    light = re.search(r":root\s*{(.*?)}", css, re.S).group(1)
    dark = re.search(r"prefers-color-scheme:\s*dark\)\s*{\s*:root\s*{(.*?)}", css, re.S).group(1)

    def tokens(block):
        return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\b", block))

    light_tokens = tokens(light)
    return {"light": light_tokens, "dark": {**light_tokens, **tokens(dark)}}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_aa(scheme):
    tokens = _schemes()[scheme]
    failures = [
        f"{fg} on {bg}: {contrast(tokens[fg], tokens[bg]):.2f}"
        for fg, bg in TEXT_PAIRS
        if contrast(tokens[fg], tokens[bg]) < 4.5
    ]
    assert not failures, failures


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_and_control_borders_meet_three_to_one(scheme):
    tokens = _schemes()[scheme]
    failures = [
        f"{fg} on {bg}: {contrast(tokens[fg], tokens[bg]):.2f}"
        for fg, bg in NON_TEXT_PAIRS
        if contrast(tokens[fg], tokens[bg]) < 3
    ]
    assert not failures, failures


def test_the_dark_scheme_redefines_every_colour():
    schemes = _schemes()
    css = STYLESHEET.read_text()
    dark_block = re.search(r"prefers-color-scheme:\s*dark\)\s*{\s*:root\s*{(.*?)}", css, re.S)
    dark_names = set(re.findall(r"--([a-z0-9-]+):", dark_block.group(1)))
    assert set(schemes["light"]) - dark_names == set()


def test_feature_sections_use_tokens_not_colours():
    # Below the tokens, a colour literal would not follow the dark scheme.
    css = STYLESHEET.read_text()
    after_tokens = css[css.index("/* === Base") :]
    literals = re.findall(r"#[0-9a-fA-F]{3,6}\b", after_tokens)
    assert set(literals) <= {"#fff"}, literals  # white text on the quick exit's red, both schemes
