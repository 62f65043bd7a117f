"""How numbers and metrics are shown, and the colours they are shown in, for every view.

The HTML report and the ipywidgets views both format with these functions and colour with this
palette, so a value reads the same wherever it appears. Text is returned unescaped: each view
escapes it (Jinja2's autoescape in the report, ``html.escape`` in the widgets).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from workbench.audit import metric_label, metric_words

MISSING = "n/a"
# Ends of the diverging attribution scale (RdBu): towards the explained class, and away from it.
POSITIVE_RGB = (214, 96, 77)
NEGATIVE_RGB = (67, 147, 195)
# Colours by role; the report's stylesheet and the widgets' stylesheet read them as CSS variables.
PALETTE = {
    "ink": "#1f2328",
    "muted": "#57606a",
    "line": "#d0d7de",
    "soft": "#f6f8fa",
    "bad": "#b42318",
    "bad-bg": "#fdecea",
    "warn": "#8a5300",
    "warn-bg": "#fff4d6",
    "good": "#1a7f37",
    "good-bg": "#e8f5ec",
    "info": "#2d5a8a",
    "accent": "#4a7ab8",
    "positive": "#{:02x}{:02x}{:02x}".format(*POSITIVE_RGB),
    "negative": "#{:02x}{:02x}{:02x}".format(*NEGATIVE_RGB),
}
# Colours of the series of a chart (one per group), told apart with colour-blindness too:
# Okabe and Ito's palette.
SERIES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")
# Text on a coloured background is written in whichever of these contrasts more with it; one
# of the two always reaches WCAG AA's 4.5:1 (at least 4.58:1).
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"
# Marks a gradient explanation whose completeness gap is above COMPLETENESS_TOLERANCE.
COMPLETENESS_MARKER = "\u26a0"

__all__ = [
    "COMPLETENESS_MARKER",
    "DARK_TEXT",
    "LIGHT_TEXT",
    "MISSING",
    "NEGATIVE_RGB",
    "PALETTE",
    "POSITIVE_RGB",
    "SERIES",
    "completeness",
    "contrast_ratio",
    "css_variables",
    "direction",
    "interval",
    "metric_label",
    "metric_words",
    "number",
    "percent",
    "shade",
    "signed",
    "text_colour",
]


# Python's and NumPy's numbers are told apart by the abstract classes of :mod:`numbers`, with
# which NumPy registers its scalars, so that formatting a number never imports NumPy.
def _is_whole(value: Any) -> bool:
    """An int or a NumPy integer, not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    """A float or a NumPy floating-point number: a real number that is not a ratio of whole
    numbers (as ints and fractions are)."""
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational)


def _missing(value: Any) -> bool:
    return value is None or (_is_float(value) and math.isnan(value))


def number(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals (whole numbers with thousands separators); NaN and None
    as n/a; anything else as its text."""
    if _missing(value):
        return MISSING
    if _is_whole(value):
        return f"{int(value):,}"
    if _is_float(value):
        return f"{float(value):.{digits}f}"
    return str(value)


def signed(value: Any, digits: int = 3) -> str:
    """A number with its sign, e.g. ``+0.109``; NaN and None as n/a."""
    if _missing(value):
        return MISSING
    return f"{float(value):+.{digits}f}"


def percent(value: Any, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``40%``; NaN and None as n/a."""
    if _missing(value):
        return MISSING
    return f"{float(value):.{digits}%}"


def completeness(gap: float | None) -> str | None:
    """The completeness gap of a gradient explanation (a share of its score change) in words,
    led by :data:`COMPLETENESS_MARKER` above the tolerance; None for methods without one."""
    from workbench.explain._explanation import COMPLETENESS_TOLERANCE

    if gap is None:
        return None
    tolerance = percent(COMPLETENESS_TOLERANCE)
    if math.isinf(gap):
        return (
            f"{COMPLETENESS_MARKER} Completeness gap: the score does not change from the "
            "baseline, yet the attributions do not add up to zero; read them with care."
        )
    shown = percent(gap, 1)
    if gap <= COMPLETENESS_TOLERANCE:
        return f"Completeness gap {shown} of the score change (tolerance {tolerance})."
    return (
        f"{COMPLETENESS_MARKER} Completeness gap {shown} of the score change, above the "
        f"{tolerance} tolerance: the attributions do not add up to the change they explain; "
        "read them with care (more steps or samples, or the other baseline, may help)."
    )


def interval(low: Any, high: Any, *, signed_values: bool = False, digits: int = 3) -> str:
    """A confidence interval as ``low to high``; '' when it is missing."""
    if _missing(low) or _missing(high):
        return ""
    show = signed if signed_values else number
    return f"{show(float(low), digits)} to {show(float(high), digits)}"


def shade(value: float, scale: float) -> str:
    """Background colour of an attribution on a diverging scale: red pushes toward the target
    class, blue away from it, white is neutral; ``scale`` is the largest |attribution| shown."""
    strength = 0.0 if scale <= 0 or not math.isfinite(value) else max(-1.0, min(1.0, value / scale))
    red, green, blue = POSITIVE_RGB if strength >= 0 else NEGATIVE_RGB
    mix = abs(strength)
    return "#{:02x}{:02x}{:02x}".format(
        *(round(255 + (channel - 255) * mix) for channel in (red, green, blue))
    )


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(background: str) -> str:
    """The text colour (:data:`DARK_TEXT` or :data:`LIGHT_TEXT`) that reads best on
    ``background``."""
    dark, light = contrast_ratio(background, DARK_TEXT), contrast_ratio(background, LIGHT_TEXT)
    return DARK_TEXT if dark >= light else LIGHT_TEXT


def direction(value: float, target: str) -> str:
    """Which way an attribution pushes, in words: ``towards <target>``, ``away from <target>``
    or ``neutral``."""
    if not math.isfinite(value) or value == 0:
        return "neutral"
    return f"towards {target}" if value > 0 else f"away from {target}"


def css_variables(prefix: str = "") -> str:
    """The palette as CSS custom properties, ``--<prefix><role>: <colour>;``."""
    return " ".join(f"--{prefix}{role}: {colour};" for role, colour in PALETTE.items())
