"""The site's configurable colours: parsed, checked for contrast (WCAG 2.1 AA), served as CSS custom
properties (the Content-Security-Policy forbids inline styles, so the theme is a stylesheet of its own)."""

from __future__ import annotations

import re
from collections.abc import Mapping

HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# WCAG 2.1 AA for normal text (1.4.3). White text sits on the primary colours; links sit on white.
AA_TEXT = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
# Each configured colour, the CSS custom property it fills (static/css/site.css) and what it is set against.
THEME = {
    "THEME_PRIMARY": ("--primary", "white text on it (header, buttons)"),
    "THEME_PRIMARY_DARK": ("--primary-dark", "white text on it (buttons under the pointer)"),
    "THEME_LINK": ("--link", "links on a white page"),
}


def parse(colour: str) -> tuple[int, int, int]:
    """#rrggbb or #rgb to its three channels (0-255); ValueError otherwise."""
    match = HEX.fullmatch(colour.strip())
    if match is None:
        raise ValueError(colour)
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance, as WCAG 2.1 defines it."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in parse(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def check_theme(colours: Mapping[str, str | None]) -> list[str]:
    """What is wrong with the configured colours (empty when all pass): each must be a hex colour and
    reach 4.5:1 against white, as every one of them has white around it or white text on it."""
    problems = []
    for key, value in colours.items():
        if value is None:
            problems.append(f"{key} is not set")
            continue
        try:
            ratio = contrast(str(value), WHITE)
        except ValueError:
            problems.append(f"{key}={value!r} is not a colour (#rrggbb)")
            continue
        if ratio < AA_TEXT:
            against = THEME[key][1] if key in THEME else "white"
            problems.append(f"{key}={value} has a contrast of {ratio:.2f}:1 with white ({against}); "
                            f"{AA_TEXT}:1 at least (WCAG AA), choose a darker shade")
    return problems


def theme_css(colours: Mapping[str, str]) -> str:
    """The custom properties that site.css uses, from the checked configuration."""
    lines = []
    for key, value in colours.items():
        if key in THEME:
            parse(value)  # never anything but a colour in the stylesheet
            lines.append(f"  {THEME[key][0]}: {value.strip()};")
    return ":root {\n" + "\n".join(lines) + "\n}\n"
