"""Roster pieces for the Champions page: tables, the area header, the editor."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import streamlit as st

from ddq.export import export_roster
from ddq.ui import state
from ddq.ui.format import plain

NO_AREA = "No area"


def tenure(days: int | None) -> str:
    """``1 y 4 m``, ``5 m``, ``3 w``: how long someone has been champion, at a glance."""
    if days is None:
        return ""
    if days < 31:
        return f"{days // 7} w" if days >= 7 else f"{days} d"
    months = days * 12 // 365
    years, months = divmod(months, 12)
    return f"{years} y {months} m" if years else f"{months} m"


def progress_link(team: str) -> str:
    """The team's progress page (relative, so it works behind any host name)."""
    return "./progress?" + urlencode({"team": team})


def matches(row: dict[str, Any], query: str) -> bool:
    """Case-insensitive search over team, champion, contact and area."""
    needle = query.strip().lower()
    if not needle:
        return True
    haystack = " ".join(str(row.get(k) or "") for k in ("team", "champion", "contact", "area"))
    return needle in haystack.lower()


def by_area(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by area in name order (teams without an area last), no-champion first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: ((r["area"] or "\uffff").lower(),
                                           r["champion"] is not None, r["team"].lower())):  # fmt: skip
        groups.setdefault(row["area"] or NO_AREA, []).append(row)
    return groups


def table(rows: list[dict[str, Any]]) -> None:
    """One area's teams: champion, since when, tenure, other teams, and a link to trends."""
    frame = pd.DataFrame([
        {
            "Team": r["team"],
            "Champion": r["champion"] or "— no champion —",
            "Email or handle": r["contact"] or "",
            "Since": r["since"],
            "Tenure": tenure(r["tenure_days"]),
            "Also champions": ", ".join(r["also_champions"]),
            "Progress": progress_link(r["team"]),
        }
        for r in rows
    ])  # fmt: skip
    frame["Since"] = pd.to_datetime(frame["Since"])
    st.dataframe(
        frame, hide_index=True,
        column_config={
            "Since": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Progress": st.column_config.LinkColumn(display_text="open progress"),
        },
    )  # fmt: skip


def area_header(name: str, detail: dict[str, Any] | None) -> None:
    """The area's name, head and channels, and its request links when it has them."""
    st.subheader(plain(name))
    if detail is None:
        return
    facts = []
    if detail["head"]:
        facts.append(f"Area head: **{plain(detail['head'])}**")
    for key, words in (("champions_channel", "champions"), ("community_channel", "everyone")):
        if detail[key]:
            facts.append(f"{plain(detail[key])} ({words})")
    facts.append(f"{detail['teams'] - detail['without_champion']} of {detail['teams']} teams "
                 "have a champion")  # fmt: skip
    st.markdown(" · ".join(facts))
    links = [(detail["coaching_url"], "Request coaching"), (detail["workshop_url"], "Workshop")]
    shown = [(url, words) for url, words in links if url]
    for column, (url, words) in zip(st.columns(max(len(shown), 1)), shown, strict=False):
        column.link_button(words, url)


def roster_csv() -> bytes:
    """The roster as ``ddq export roster`` writes it: formula-safe, and it imports back."""
    buffer = io.StringIO()
    with state.connection() as con:
        export_roster(con, buffer)
    return buffer.getvalue().encode("utf-8")


EDIT_COLUMNS = ["team", "area", "champion", "contact", "since"]


def editor_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{k: r.get(k) for k in EDIT_COLUMNS} for r in rows], columns=EDIT_COLUMNS)


def edited_rows(before: pd.DataFrame, after: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows the person changed, as roster edits."""
    if before.equals(after):  # nothing edited, as on most runs: no comparing row by row
        return []
    changed = []
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        old_values = [_clean(old[c]) for c in EDIT_COLUMNS]
        new_values = [_clean(new[c]) for c in EDIT_COLUMNS]
        if old_values != new_values:
            changed.append(dict(zip(EDIT_COLUMNS, new_values, strict=True)))
    return changed


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dt.datetime):
        return value.date()
    return value
