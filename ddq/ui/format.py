"""How numbers read on screen."""

from __future__ import annotations

UNIT_SUFFIX = {"percent": " %", "days": " d"}


def number(value: float, unit: str, *, signed: bool = False) -> str:
    """A value as people read it: counts whole, others to one decimal, with the unit."""
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    if unit != "count" and value != round(value):
        text = f"{value:+,.1f}" if signed else f"{value:,.1f}"
    return text + UNIT_SUFFIX.get(unit, "")
