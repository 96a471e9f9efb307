"""Making one change from a page: as the signed-in user, its error shown, its result confirmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ddq.errors import DdqError
from ddq.ui import auth, state
from ddq.ui import ledger as ui_ledger
from ddq.ui.format import plain

FAILED = object()  # what run() returns when the change was refused


def run(change: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``change(con, *args, who=<the signed-in user>, **kwargs)`` on a short-lived connection.

    Returns what it returned, or FAILED after showing its error (as text: it may quote what
    someone typed).
    """
    try:
        with state.connection() as con:
            return change(con, *args, who=auth.current(), **kwargs)
    except DdqError as exc:
        st.error(plain(str(exc)))
        return FAILED


def apply(change: Callable[..., Any], *args: Any, confirm: str | None = None,
          **kwargs: Any) -> None:  # fmt: skip
    """:func:`run`, then on success say so on the next run (``confirm``, else the change's own
    words) and rerun the page so that it shows the change."""
    done = run(change, *args, **kwargs)
    if done is FAILED:
        return
    ui_ledger.flash(confirm if confirm is not None else str(done))
    st.rerun()
