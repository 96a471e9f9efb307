"""Pieces of the meeting page: the team being presented, notes, actions, community health."""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections.abc import Callable
from typing import Any, cast

import streamlit as st

from ddq import clock, text
from ddq import meeting as core
from ddq.meeting import Meeting, MetricRow, TeamView
from ddq.ui import auth, feedback, questions, slack, slides, state, unassigned, write
from ddq.ui.format import delta_style, plain

__all__ = ["act", "actions", "health", "metrics", "notes", "plain"]

BADGE = {"achieved": "green", "on track": "blue", "at risk": "orange", "off track": "red"}
CHOSEN, LAST_CHOSEN, STARTED = "meeting", "meeting_last", "meeting_started"
START_FORM = "start_form"  # the state of the "Start a meeting" expander: open or not
TEAM, TEAM_OF = "team", "team_of"  # the team on screen, and the meeting it belongs to
SAID = "meeting_said"  # the last change saved from this laptop, for :func:`said`
KEPT = (CHOSEN, "timebox")  # widgets whose values live on while presenter mode hides them


def start(held_on: dt.date, areas: list[str], order: str) -> None:
    """Start a meeting; on success open it (see :func:`open_started`)."""
    started = write.run(core.create_meeting, held_on=held_on, areas=areas, order=order)
    if started is write.FAILED:
        return
    st.session_state[STARTED] = started
    feedback.flash(f"Meeting started: {held_on:%d %b %Y} · {core.scope_label(areas)}.", "start")
    st.rerun()


def start_form(can_edit: bool, *, first: bool) -> None:
    """The "Start a meeting" form under the selector, open when there is no meeting yet
    (``first``); a viewer without meetings is told who may start one."""
    if can_edit:
        with (st.expander("Start a meeting", expanded=first, icon=":material/play_circle:",
                          key=START_FORM, on_change="rerun"), st.form("start")):  # fmt: skip
            day = st.date_input("Date", clock.today())
            areas = st.multiselect("Areas (none: the whole program)", state.areas())
            order = st.selectbox("Order of the teams", core.ORDERS,
                                 format_func=core.ORDER_WORDS.__getitem__)  # fmt: skip
            if st.form_submit_button("Start", type="primary"):
                start(held_on=day, areas=areas, order=order)
        feedback.show_flash("start")
    elif first:
        auth.may_edit("start a meeting")


def side_panel(meeting: Meeting) -> None:
    """The sidebar beside the full page: the community's health in the meeting's scope, the
    bugs no team owns (for the whole program, whose totals include them), and the questions
    waiting in the champions channels (with Slack)."""
    with st.sidebar:
        health(cast(dict[str, Any], state.community_health(tuple(meeting["scope_areas"]))))
        if not meeting["scope_areas"]:
            unassigned.flag()
        questions.box()


def open_started() -> None:
    """Before the meeting selector is drawn: after a start, choose the new meeting (so that
    notes typed next go to it) and close the start form (:func:`start` says so under it)."""
    started = st.session_state.pop(STARTED, None)
    if started is not None:
        st.session_state[CHOSEN] = started
        st.session_state[START_FORM] = False


def keep_meeting() -> None:
    """The selector's own change: a cleared choice (Escape, in the browser) keeps the last."""
    if st.session_state.get(CHOSEN) is None:
        st.session_state[CHOSEN] = st.session_state.get(LAST_CHOSEN)


def team_to_start(meeting: dict[str, Any], teams: list[str]) -> str:
    """The team to show first: that meeting's current team, else its first. When the team on
    screen belonged to another meeting (one chosen or started since), it becomes this one,
    instead of that meeting's team or the link's."""
    start_at = meeting["current_team"] if meeting["current_team"] in teams else teams[0]
    st.session_state[LAST_CHOSEN] = meeting["id"]
    if st.session_state.get(TEAM_OF, meeting["id"]) != meeting["id"]:
        st.session_state[TEAM] = start_at
    st.session_state[TEAM_OF] = meeting["id"]
    return start_at


def opening(meeting: dict[str, Any], position: int) -> None:
    """An open meeting nobody has moved through yet opens at the team on screen: that team
    is presented (:func:`ddq.meeting.open_at`). The next reading of the meeting shows it."""
    if meeting["current_position"] is None and meeting["status"] == "open":
        write.run(core.open_at, meeting["id"], position)


def act(message: str, change: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Run one change through ddq as the signed-in user; show its error. True when it worked.

    ``message`` is said on the line kept for it (:func:`said`), never in a toast over the
    navigation: nothing on screen moves when a save happens.
    """
    if write.run(change, *args, **kwargs) is write.FAILED:
        return False
    if message:
        st.session_state[SAID] = f"{message} {clock.now():%H:%M} UTC"
    return True


def said() -> str:
    """The last change saved from this laptop, with its time; a blank line before the first
    (the line keeps its place either way)."""
    return plain(st.session_state.get(SAID, "")) or "\u00a0"


def keep_widgets() -> None:
    """Presenter mode does not draw the meeting selector, the time-box or the follow toggle;
    a widget not drawn in a run loses its value, so each is kept as a plain value for when
    the full page comes back."""
    for key in [k for k in st.session_state if k in KEPT or str(k).startswith("follow_")]:
        st.session_state[key] = st.session_state[key]


def metrics(view: TeamView, *, per_row: int = 4, reasons: bool = True) -> None:
    """The team's numbers this week against last week, each with its target and status in
    words (never only in a tooltip, which a projector cannot show) and a sparkline.
    ``reasons``: a target's reason in the card's help."""
    shown = [m for m in view["metrics"] if m["value"] is not None]
    for start in range(0, len(shown), per_row):
        for column, m in zip(st.columns(per_row), shown[start : start + per_row], strict=False):
            with column.container(border=True, key=f"card-{m['key']}"):
                card(m, view["week"], reasons=reasons)


def card(m: MetricRow, week: dt.date, *, reasons: bool) -> None:
    """One metric's card: value, change against the week before, sparkline, target line."""
    metric = m["metric"]
    # A team that missed the latest week shows its last value: say which week it is.
    when = "" if m["week"] == week else f"week of {m['week']:%d %b}, "
    st.metric(
        metric.label, text.number(m["value"], metric.unit),
        delta=None if m["change"] is None else text.change(m["change"], metric.unit),
        **cast(dict[str, Any], delta_style(metric, m["change"])),
        delta_description=when + ("no value the week before" if m["change"] is None
                                  else "vs week before"),
        chart_data=[v for v in m["history"] if v is not None] or None,
        help=f"Target {text.number(m['target'], metric.unit, exact=True)} by "
        f"{m['due']:%d %b %Y}: {m['reason']}" if reasons and m.get("target") is not None
        else None,
    )  # fmt: skip
    st.markdown(target_line(m))


def target_line(m: MetricRow) -> str:
    """A card's target and status in words and colour (Markdown), or a plain word when the
    team has no target on the metric."""
    if m.get("target") is None:
        return ":gray[no target]"
    metric = m["metric"]
    status = m.get("status")
    badge = f":{BADGE[status]}-badge[{status}] " if status in BADGE else ""
    return f"{badge}target {text.number(m['target'], metric.unit, exact=True)} by {m['due']:%d %b}"


def notes(view: TeamView, meeting_id: int, editable: bool) -> None:
    """What the team is doing, the feedback it wants, the feedback it got."""
    for kind in core.NOTE_KINDS:
        label = core.NOTE_LABELS[kind]
        text = view["notes"][kind]
        if not editable:
            st.markdown(f"**{label}**")
            st.text(text or "—")
            continue
        # The saved text is part of the key: when someone else saves, every laptop's box shows
        # it on the next refresh. Text being typed then is not lost silently: it is shown
        # below the new note, to copy back in. A save racing with theirs is refused.
        stem = f"note_{meeting_id}_{view['team']}_{kind}_"
        key = f"{stem}{zlib.crc32(text.encode())}"
        _overtaken(stem, key, label, text)
        value = st.text_area(label, text, key=key, height=90)
        # Always there, so that nothing moves when a box is changed or saved.
        if not st.button(f"Save {label.lower()}", key=key + "_save"):
            continue
        if value == text:
            st.session_state[SAID] = f"Nothing new to save in {label.lower()}."
            st.rerun()
        if act(f"{label} saved.", core.set_note, meeting_id, view["team"], kind, value,
               expected=text):  # fmt: skip
            st.rerun()


def _overtaken(stem: str, key: str, label: str, text: str) -> None:
    """Say so when someone saved this note while this person was typing another text.

    The box this person typed in started from an older saved text (its key says which).
    What they typed is lost only if it is neither that text (they typed nothing) nor the
    text saved now (their own save, or someone else's saving the same words).
    """
    for old in [k for k in st.session_state if isinstance(k, str) and k.startswith(stem)]:
        started_from = old.removeprefix(stem)
        if old == key or not started_from.isdigit():  # this box, or another widget's key
            continue
        typed = st.session_state.pop(old)
        if not isinstance(typed, str):
            continue
        mine = typed.strip()
        if mine == text or str(zlib.crc32(mine.encode())) == started_from:
            continue
        st.warning(f"Someone saved the {label.lower()} while you were typing; it now reads "
                   "as below. What you had typed was not saved:", icon=":material/sync_problem:")  # fmt: skip
        st.text(typed)


def actions(view: TeamView, meeting_id: int, editable: bool) -> None:
    """Open action items (carried forward until done) and a form to add one."""
    st.markdown("**Action items**")
    if not view["open_actions"]:
        st.caption("No open actions.")
    for a in view["open_actions"]:
        left, right = st.columns([5, 1])
        overdue = " · :red[overdue]" if a.get("overdue") else ""
        left.markdown(f"{plain(a['text'])} — {plain(a['owner'])}, due {a['due']:%d %b}{overdue}")
        done = editable and right.button("Done", key=f"done_{a['id']}")
        if done and act("Action done.", core.set_action_status, a["id"], core.DONE,
                        meeting_id=meeting_id, expected=core.OPEN):  # fmt: skip
            st.rerun()
    if editable:
        with st.form(f"action_{meeting_id}_{view['team']}", clear_on_submit=True):
            text = st.text_input("New action")
            owner, due = st.columns(2)
            who = owner.text_input("Owner", view["champion"] or "")
            when = due.date_input("Due", view["held_on"] + core.NEXT_MEETING)
            if st.form_submit_button("Add action") and act(
                "Action added.", core.add_action, team=view["team"], text=text, owner=who,
                due=when, meeting_id=meeting_id,
            ):  # fmt: skip
                st.rerun()


def countdown(team: str, minutes: int) -> None:
    """A visible countdown of the team's time-box, from when this laptop opened the team."""
    started = st.session_state.setdefault(f"timebox_start_{team}", time.monotonic())

    @st.fragment(run_every=1)
    def tick() -> None:
        left = minutes * 60 - (time.monotonic() - started)
        if left > 0:
            st.metric("Time left for this team", f"{int(left) // 60}:{int(left) % 60:02d}")
        else:
            st.metric("Time left for this team", "0:00", delta="time is up",
                      delta_color="inverse")  # fmt: skip

    with st.sidebar:  # drawn from outside the fragment: a fragment keeps to its own container
        tick()


def health(found: dict[str, Any]) -> None:
    """Community health for the side panel."""
    st.markdown("**Community health**")
    leader = found["leader"]
    st.caption(f"A leader attended {leader['attended']} of the last {leader['meetings']} meetings.")
    rates = [a for a in found["attendance"] if a["rate"] is not None]
    for a in sorted(rates, key=lambda a: a["rate"])[:8]:
        st.caption(f"{plain(a['champion'])}: {a['rate']:.0%} of {a['marked']} meetings")
    if found["not_presented"]:
        st.caption("Not presented for 4+ weeks: " + ", ".join(
            plain(t["team"]) for t in found["not_presented"][:10]))  # fmt: skip
    if found["overdue"]:
        st.caption(f"{len(found['overdue'])} overdue action item(s).")


def full_view(view: TeamView, meeting: Meeting, editable: bool) -> None:
    """The team on the full page: champion and attendance, the cards, notes and actions."""
    meeting_id, team = meeting["id"], view["team"]
    about, saved = st.columns([3, 1])
    champion = plain(view["champion"] or "no champion")
    about.caption(
        f"Champion: {champion} · {plain(meeting['scope'])} · {meeting['held_on']:%d %b %Y}"
    )
    saved.caption(said(), text_alignment="right")
    if editable and view["champion"]:
        # The stored mark is part of the key: when someone else marks the champion, this
        # laptop's toggle starts again from their mark instead of writing its own back.
        here = st.toggle("Champion present", bool(view["present"]),
                         key=f"present_{team}_{view['present']}")  # fmt: skip
        if here != bool(view["present"]) and act(
            "Attendance saved.", core.set_attendance, meeting_id, team, here
        ):
            st.rerun()
    metrics(view)
    left, right = st.columns(2)
    with left:
        notes(view, meeting_id, editable)
    with right:
        actions(view, meeting_id, editable)


def closing(meeting: Meeting, team: str, editable: bool) -> None:
    """Under the team: its slide and the deck, the summary for Slack (and posting it), the
    leader, finishing."""
    meeting_id = meeting["id"]
    st.divider()
    with st.container(horizontal=True, vertical_alignment="center"):
        slides.downloads(meeting_id, team)  # made on click: a picture takes a second or two
        slack.post_summary_button(meeting_id)  # editors, once Slack is connected
    # Built on request: a whole-program summary reads every team (seconds for hundreds).
    if st.toggle("Summary for Slack", key=f"summary_{meeting_id}"):
        summary = state.meeting_summary(meeting_id)
        st.code(summary, language="markdown", wrap_lines=True)
        st.download_button("Download summary", summary, f"meeting-{meeting['held_on']}.md",
                           "text/markdown", icon=":material/download:")  # fmt: skip
    if not editable:
        return
    leader = st.checkbox("The area head or another leader attended",
                         bool(meeting["leader_present"]))  # fmt: skip
    if leader != bool(meeting["leader_present"]) and act(
        "Leader's attendance saved.", core.set_leader, meeting_id, leader,
        meeting["leader_name"],
    ):  # fmt: skip
        st.rerun()
    if st.button("Finish the meeting", type="primary") and act(
        "Meeting finished.", core.finish, meeting_id
    ):
        st.rerun()
