"""Making one change from a page: as the signed-in user, its error shown, its result confirmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ddq.errors import DdqError, StaleEdit
from ddq.ui import auth, state
from ddq.ui.feedback import flash
from ddq.ui.format import lines, plain

FAILED = object()  # what run() returns when the change was refused


def run(change: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``change(con, *args, who=<the signed-in user>, **kwargs)`` on a short-lived connection.

    Returns what it returned, or FAILED after showing its error (as text: it may quote what
    someone typed).
    """
    try:
        with state.connection() as con:
            return change(con, *args, who=auth.current(), **kwargs)
    except StaleEdit as exc:
        st.error(plain(str(exc)), icon=":material/sync_problem:")
        return FAILED
    except DdqError as exc:
        st.error(lines(str(exc)))  # a message of several lines keeps them
        return FAILED


def _words(done: Any) -> str:
    """What a change said it did: its text, the words of a list, or a result's ``message``."""
    if isinstance(done, list):
        return " ".join(str(d) for d in done)
    if isinstance(done, dict) and "message" in done:
        return str(done["message"])
    return str(done)


def apply(change: Callable[..., Any], *args: Any, confirm: str | None = None,
          near: str = "page", **kwargs: Any) -> None:  # fmt: skip
    """:func:`run`, then on success say so on the next run (``confirm``, else the change's own
    words) where ``feedback.show_flash(near)`` draws it, and rerun the page so that it shows the
    change."""
    done = run(change, *args, **kwargs)
    if done is FAILED:
        return
    flash(confirm if confirm is not None else _words(done), near)
    st.rerun()


# A form that starts from stored values keeps what it started from until it is saved, so that
# a save on top of someone else's newer change is refused (StaleEdit) instead of undoing it.
# After a save, or a refusal, it starts again from what is stored now: its widgets carry the
# form's generation in their keys, and a new generation gives new widgets.


def generation(form: str) -> int:
    return int(st.session_state.get(f"{form}_generation", 0))


def apply_to_form(form: str, change: Callable[..., Any], *args: Any,
                  confirm: str | None = None, near: str = "page", **kwargs: Any) -> None:  # fmt: skip
    """:func:`apply` for a form that began from stored values (see above)."""
    try:
        with state.connection() as con:
            done = change(con, *args, who=auth.current(), **kwargs)
    except StaleEdit as exc:
        st.session_state[f"{form}_stale"] = str(exc)
    except DdqError as exc:
        st.error(plain(str(exc)))
        return
    else:
        flash(confirm if confirm is not None else _words(done), near)
    st.session_state[f"{form}_generation"] = generation(form) + 1
    st.rerun()


def stale_notice(form: str) -> None:
    """What changed under the form, when its last save was refused for it."""
    if f"{form}_stale" in st.session_state:
        st.error(plain(st.session_state.pop(f"{form}_stale")), icon=":material/sync_problem:")
