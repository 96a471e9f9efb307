"""Page state in the URL: a link posted in chat opens exactly the same view.

Widgets keep their values in ``st.session_state`` under their key; on a page's first run
those values come from the query string (when valid), and after the widgets are drawn
the query string is rewritten from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ddq.errors import DdqError
from ddq.ui.format import plain


def seed(key: str, default: Any, *, parse: Callable[[str], Any] = str,
         allowed: Sequence[Any] | None = None) -> list[str]:  # fmt: skip
    """Give the widget ``key`` its value from the URL (or ``default``) once per session.

    Returns warnings (Markdown) for values in the URL that were not valid, to show the user:
    the URL's text in them is escaped, since anyone can write a link.
    """
    if key in st.session_state:
        return []
    raw = st.query_params.get(key)
    st.session_state[key] = default
    if raw is None or raw == "":
        return []
    try:
        value = parse(raw)
    except (ValueError, DdqError):  # not a value of this kind, or nothing by that name
        value = None
    if value is None or (allowed is not None and value not in allowed):
        return [f"The link's {key}={plain(repr(raw))} is not available here; showing the default."]
    st.session_state[key] = value
    return []


def seed_list(key: str, allowed: Sequence[str], limit: int) -> list[str]:
    """Like :func:`seed` for a multiselect: ``key=a&key=b`` in the URL."""
    if key in st.session_state:
        return []
    wanted = st.query_params.get_all(key)
    chosen = [v for v in wanted if v in allowed][:limit]
    st.session_state[key] = chosen
    dropped = [v for v in wanted if v not in chosen]
    return [f"Not shown from the link: {', '.join(plain(v) for v in dropped)}."] if dropped else []


def week_range(raw: str) -> tuple[dt.date, dt.date]:
    """``2026-01-05..2026-03-30`` from a link: exactly two dates, the first not after the second."""
    parts = raw.split("..")
    if len(parts) != 2:
        raise ValueError(f"a range is two dates joined by '..', not {raw!r}")
    first, last = (dt.date.fromisoformat(p.strip()) for p in parts)
    if first > last:
        raise ValueError(f"{first} is after {last}")
    return first, last


def as_range(value: Any) -> tuple[dt.date, dt.date] | None:
    """A (first, last) pair of dates from widget state, or None for anything else."""
    if isinstance(value, tuple | list) and len(value) == 2:
        first, last = value
        if isinstance(first, dt.date) and isinstance(last, dt.date) and first <= last:
            return first, last
    return None


def publish(values: dict[str, Any]) -> None:
    """Rewrite the query string to ``values`` (None and empty values left out)."""
    clean = {
        k: [str(x) for x in v] if isinstance(v, list) else str(v)
        for k, v in values.items()
        if v not in (None, "", [])
    }
    if clean != _current():
        st.query_params.from_dict(clean)


def _current() -> dict[str, Any]:
    return {k: (v if len(v := st.query_params.get_all(k)) > 1 else v[0]) for k in st.query_params}
