"""Links from Slack back into ddq, and text made safe for Slack's mrkdwn.

A link is built from the ``app_url`` setting (this app's address) and a page's query
parameters, the same ones the page reads from its URL (``ddq.ui.params``), so a link opens
exactly the view it names. With no ``app_url`` there are no links: messages say so once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ddq import settings

if TYPE_CHECKING:
    import duckdb

NO_APP_URL = (
    "No links into ddq: this app's address (the app_url setting) is not set; an admin sets "
    "it on the Settings page or with `ddq settings set app_url https://...`."
)

# The pages' addresses: Streamlit names each after its file; the Overview is the default page.
OVERVIEW, TRENDS, MEETING, CRITICAL = "", "trends", "meeting", "critical_bugs"


def app_url(con: duckdb.DuckDBPyConnection) -> str:
    """This app's address from Settings, without a trailing slash; empty when unset."""
    return settings.current(con).get("app_url", "").strip().rstrip("/")


def page_link(base: str, page: str, **params: Any) -> str | None:
    """``{base}/{page}?{params}`` (None values left out, lists repeated); None without a base."""
    if not base:
        return None
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [])},
                      doseq=True, quote_via=quote)  # fmt: skip
    return f"{base}/{page}" + (f"?{query}" if query else "")


def escape(text: str) -> str:
    """Text for mrkdwn: ``&``, ``<`` and ``>`` escaped as Slack asks, so data cannot make a
    link, a mention or ``@channel``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """``<url|label>`` in mrkdwn, or the label alone without a URL."""
    if not url:
        return escape(label)
    safe = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe}|{escape(label)}>"


# Slack's limits on a message's blocks: characters of a section's text, blocks per message,
# characters of a header.
SECTION_CHARS = 3000
MAX_BLOCKS = 50
HEADER_CHARS = 150


def sections(lines: list[str]) -> list[dict[str, Any]]:
    """mrkdwn lines as section blocks, as many lines in each as Slack's limit takes."""
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        line = line if len(line) <= SECTION_CHARS else line[: SECTION_CHARS - 1] + "…"
        if chunk and len("\n".join([*chunk, line])) > SECTION_CHARS:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    return blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    short = text if len(text) <= HEADER_CHARS else text[: HEADER_CHARS - 1] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": short}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_CHARS]}]}
