"""The meeting's summary, posted in its channel: every line ``ddq meeting summary`` prints.

Laid out with Block Kit: the title as a header, then a section for the attendance, one per
team (its numbers, notes, feedback and actions, and a link back to the team in the meeting
page when the app's address is set) and one for community health. Each printed line is in
the message's text as printed, formatting aside: Slack's bold is ``*one star*``, and ``&``,
``<`` and ``>`` are escaped as Slack requires (so that a note's ``<@someone>`` mentions
nobody). A summary beyond one message's limits (50 blocks, 40,000 characters of text)
continues in replies in the message's thread. Posting it again updates the same messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ddq import settings
from ddq.access import EDITOR, Actor, requires
from ddq.errors import DdqError
from ddq.meeting import Meeting, SummarySection, get_meeting, summary_sections
from ddq.meeting.summary import HEADING, TEAM
from ddq.slack import store
from ddq.slack.client import Slack
from ddq.slack.posting import Posted, post_once, previous

if TYPE_CHECKING:
    import duckdb

KIND = "summary"
MAX_BLOCKS = 50  # Slack's limit of blocks in one message
MAX_SECTION = 3000  # Slack's limit of a section block's text
MAX_HEADER = 150  # Slack's limit of a header block's text
MAX_TEXT = 40_000  # Slack cuts a message's text beyond this
# Room kept in the first message for the line saying that the summary goes on in the thread.
_TEXT_ROOM = 200
_BOLD = re.compile(r"\*\*(.+?)\*\*")
Block = dict[str, Any]


def escape(text: str) -> str:
    """Text for Slack: ``&``, ``<`` and ``>`` as Slack's entities, so that none is markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """:func:`escape` undone."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(line: str) -> str:
    """A printed line in Slack's mrkdwn: escaped, ``**bold**`` as ``*bold*``."""
    return _BOLD.sub(r"*\1*", escape(line))


def plain(line: str) -> str:
    """A printed line for the message's text: escaped, without the bold marks."""
    return escape(line.replace("**", ""))


def team_link(app_url: str, meeting_id: int, team: str) -> str:
    """The team's view in the meeting page: ``{app_url}/meeting?meeting=ID&team=NAME``."""
    query = urlencode({"meeting": meeting_id, "team": team}, quote_via=quote)
    return f"{app_url.rstrip('/')}/meeting?{query}"


def meeting_link(app_url: str, meeting_id: int) -> str:
    return f"{app_url.rstrip('/')}/meeting?meeting={meeting_id}"


@dataclass
class Message:
    """One message of the summary: its blocks, and the lines of its text (a line Slack's
    block limit cut in pieces is one line here)."""

    blocks: list[Block] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")

    def add(self, unit: _Unit) -> None:
        self.blocks += unit.blocks
        for piece in unit.pieces:
            if piece.continues and self.lines:
                self.lines[-1] += piece.text
            else:
                self.lines.append(piece.text)


@dataclass(frozen=True)
class _Piece:
    """A printed line, or the piece of one after the first (``continues``)."""

    text: str
    continues: bool = False


@dataclass(frozen=True)
class _Unit:
    """Blocks that stay together in one message, and the text they show."""

    blocks: list[Block]
    pieces: list[_Piece]

    @property
    def size(self) -> int:
        return sum(len(p.text) + 1 for p in self.pieces)


def _pieces(line: str, limit: int) -> list[_Piece]:
    """A printed line cut so that each piece, escaped, fits ``limit`` (at a space if it can)."""
    out: list[_Piece] = []
    while len(mrkdwn(line)) > limit:
        low, high = 1, len(line) - 1  # the longest start of the line that fits
        while low < high:
            middle = (low + high + 1) // 2
            if len(mrkdwn(line[:middle])) <= limit:
                low = middle
            else:
                high = middle - 1
        space = line.rfind(" ", 0, low)
        cut = space + 1 if space > low // 2 else low
        out.append(_Piece(line[:cut], bool(out)))
        line = line[cut:]
    return [*out, _Piece(line, bool(out))]


def _chunks(lines: list[str], limit: int) -> list[list[_Piece]]:
    """Lines grouped so that each group, escaped and joined, fits ``limit``."""
    groups: list[list[_Piece]] = [[]]
    size = 0
    for line in lines:
        for piece in _pieces(line, limit):
            length = len(mrkdwn(piece.text)) + 1
            if groups[-1] and size + length > limit:
                groups.append([])
                size = 0
            groups[-1].append(piece)
            size += length
    return [g for g in groups if g]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _units(section: SummarySection, meeting_id: int, app_url: str) -> list[_Unit]:
    """One section of the summary as blocks: a header for the title, sections for the rest.

    The text holds the printed lines, escaped, without bold marks (``plain``).
    """
    lines = list(section.lines)
    while lines and not lines[-1]:
        lines.pop()
    link = ""
    if app_url and section.kind == TEAM and section.team is not None:
        address = team_link(app_url, meeting_id, section.team)
        link = f"<{address}|Open {escape(section.team)} in ddq>"
    elif app_url and section.kind == HEADING:
        link = f"<{meeting_link(app_url, meeting_id)}|Open the meeting in ddq>"
    units: list[_Unit] = []
    if section.kind == HEADING and lines:
        title = lines[0].replace("**", "")
        if len(title) <= MAX_HEADER:  # else it stays a line of the section below
            header = {"type": "header", "text": {"type": "plain_text", "text": title}}
            units.append(_Unit([header], [_Piece(plain(lines.pop(0)))]))
        while lines and not lines[0]:
            lines.pop(0)
    room = MAX_SECTION - (len(link) + 1 if link else 0)
    groups = _chunks(lines, room) if lines else ([[]] if link else [])
    for number, group in enumerate(groups):
        text = "\n".join(mrkdwn(piece.text) for piece in group)
        if link and number == len(groups) - 1:
            text = f"{text}\n{link}" if text else link
        pieces = [_Piece(plain(piece.text), piece.continues) for piece in group]
        units.append(_Unit([_section(text)], pieces))
    if units:
        units[-1].pieces.append(_Piece(""))  # a blank line after each section of the text
    return units


def summary_messages(
    con: duckdb.DuckDBPyConnection, meeting_id: int, app_url: str = ""
) -> list[Message]:
    """The summary as Slack messages: the first, then any continued in its thread.

    ``app_url`` empty: no links back to ddq.
    """
    units = [u for s in summary_sections(con, meeting_id) for u in _units(s, meeting_id, app_url)]
    messages = [Message()]
    size = 0
    for unit in units:
        # The first message keeps a block and some text for saying that a thread follows.
        blocks = len(messages[-1].blocks) + len(unit.blocks) + (1 if len(messages) == 1 else 0)
        if messages[-1].blocks and (
            blocks > MAX_BLOCKS or size + unit.size > MAX_TEXT - _TEXT_ROOM
        ):
            messages.append(Message())
            size = 0
        messages[-1].add(unit)
        size += unit.size
    if len(messages) > 1:
        more = len(messages) - 1
        words = f"The summary continues in this message's thread ({more} more message"
        words += "s)." if more > 1 else ")."
        messages[0].blocks.append({"type": "context",
                                   "elements": [{"type": "mrkdwn", "text": words}]})  # fmt: skip
        messages[0].lines.append(words)
    return messages


def summary_channel(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> str:
    """Where a meeting's summary goes: its one area's champions channel (else the program's);
    the program team's channel for several areas or the whole program (else the program's
    champions channel)."""
    areas = meeting["scope_areas"]
    if len(areas) == 1:
        found = store.area_channel(con, areas[0], store.CHAMPIONS)
        where = f"the {areas[0]} area's champions channel (Settings, Areas, or the roster)"
    else:
        channels = store.program_channels(con)
        found = channels.get(store.PROGRAM) or channels.get(store.CHAMPIONS)
        where = "the program team's channel"
    if not found:
        raise DdqError(
            f"No Slack channel for the summary of meeting {meeting['id']} ({meeting['scope']}): "
            f"name {where} or the program's champions channel on the Settings page (or with "
            "`ddq settings set`)."
        )
    return found


@dataclass(frozen=True)
class SummaryPosted:
    """A summary posted: its message, the replies it continues in, whether it has links."""

    message: Posted
    thread: tuple[Posted, ...]
    links: bool

    def words(self) -> str:
        """``posted in #quality-champions``, ``updated in ...``, and its thread if any."""
        words = self.message.words()
        if self.thread:
            n = len(self.thread)
            words += f" (continued in {n} repl{'ies' if n > 1 else 'y'} in its thread)"
        return words

    def note(self) -> str:
        """What is missing from the message, if anything."""
        if self.links:
            return ""
        return ("No links back to ddq in the message: set this app's address (app_url) on the "
                "Settings page or with `ddq settings set app_url https://...`.")  # fmt: skip


@requires(EDITOR, "post the meeting summary to Slack")
def post_summary(
    con: duckdb.DuckDBPyConnection, slack: Slack, meeting_id: int, *, who: Actor
) -> SummaryPosted:
    """Post the meeting's summary in its channel, or update the message posted before.

    Raises SlackError (in words) when Slack refuses; only what Slack accepted is recorded.
    """
    meeting = get_meeting(con, meeting_id)
    channel = summary_channel(con, meeting)
    app_url = settings.current(con).get("app_url") or ""
    messages = summary_messages(con, meeting_id, app_url)
    subject = f"meeting {meeting_id}"
    first = post_once(con, slack, kind=KIND, subject=subject, channel=channel,
                      text=messages[0].text, blocks=messages[0].blocks, who=who)  # fmt: skip
    thread = []
    number = 2
    for message in messages[1:]:
        thread.append(_reply(con, slack, first, subject, number, message, who))
        number += 1
    # Replies a longer summary needed before: emptied, since Slack keeps them in the thread.
    while previous(con, KIND, _part(subject, number, first), first.channel) is not None:
        gone = Message(lines=["This part of the summary is no longer needed: the summary "
                              "above and before this reply is complete."])  # fmt: skip
        _reply(con, slack, first, subject, number, gone, who)
        number += 1
    return SummaryPosted(first, tuple(thread), bool(app_url))


def _part(subject: str, number: int, first: Posted) -> str:
    """A reply's subject: its place, in the thread of this very message (a message posted
    afresh starts a thread of its own)."""
    return f"{subject} part {number} in thread {first.ts}"


def _reply(con: duckdb.DuckDBPyConnection, slack: Slack, first: Posted, subject: str,
           number: int, message: Message, who: Actor) -> Posted:  # fmt: skip
    return post_once(con, slack, kind=KIND, subject=_part(subject, number, first),
                     channel=first.channel, text=message.text, blocks=message.blocks or None,
                     thread_ts=first.ts, who=who)  # fmt: skip
