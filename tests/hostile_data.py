"""A database full of hostile text, made through ddq's own functions, for the hostile tests.

Every name, note, rationale, setting and file name that a person can type holds a payload
that would run script, load a frame or an image, or make a link if it were ever rendered as
HTML or Markdown. The page tests (AppTest) and the browser tests open every page over it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import critical, db, meeting, ownership, progress, roster, settings
from ddq.access import ADMIN, Actor
from ddq.ingest.bugs import import_bugs, save_mapping
from ddq.ingest.metrics import import_metrics
from ddq.ingest.roster import import_roster
from ddq.metrics import today_utc
from ddq.trends import latest_complete_week

if TYPE_CHECKING:
    import duckdb

# Who acts in every hostile test: the one place to change when writes take an acting user.
WHO = Actor("hostile test", ADMIN)

# What a payload does when it works: sets this in the page (the browser test reads it).
PWNED = "window.__pwned=1"
SCRIPT = f"<script>{PWNED}</script>"
IMG = f'<img src=x onerror="{PWNED}">'
IFRAME = f'<iframe src="javascript:{PWNED}"></iframe>'
SVG = f'<svg onload="{PWNED}">'
ANCHOR = f'<a href="javascript:{PWNED}">click</a>'
# Markdown: an image from a port nothing listens on, a script link, a colour directive.
MD_IMAGE = "![x](http://127.0.0.1:9/x.png)"
MD_LINK = f"[link](javascript:{PWNED})"
MD_DIRECTIVE = ":red[loud] **bold** `code` $x^2$"
PAYLOADS = (SCRIPT, IMG, IFRAME, SVG, ANCHOR, MD_IMAGE, MD_LINK, MD_DIRECTIVE)

# Names (at most 120 characters each; ddq folds runs of spaces, so none are doubled).
AREA = f"Area {IMG}"
OTHER_AREA = f"Area {MD_IMAGE}"
TEAM_SCRIPT = f"Team {SCRIPT}"
TEAM_IMAGE = f"Team {MD_IMAGE}"
TEAM_LINK = f"Team {MD_LINK}"
TEAM_FRAME = f"Team {IFRAME}"
TEAM_SVG = f"Team {SVG}"  # left without a champion: named in "Without a champion"
TEAM_ANCHOR = f"Team {ANCHOR}"  # Plotly would draw the link, were names not escaped
FORMULA_TEAM = '=HYPERLINK("http://127.0.0.1:9/x","y")'  # for the CSV downloads
TEAMS = (TEAM_SCRIPT, TEAM_IMAGE, TEAM_LINK, TEAM_FRAME, TEAM_SVG, TEAM_ANCHOR, FORMULA_TEAM)
CHAMPION = f"Ann {SCRIPT}"
OTHER_CHAMPION = f"Bo {MD_IMAGE}"
METRICS_FILE = f"metrics {IMG}.csv"
ROSTER_FILE = f"roster {MD_IMAGE}.csv"
BUGS_FILE = f"bugs {SVG}.csv"
PROGRAM_NAME = f"Quality {SCRIPT} {MD_IMAGE}"
DEFINITION_TITLE = f"Critical {IMG} {MD_LINK}"
RATIONALE = "\n".join(PAYLOADS)
LABEL = f"sec {MD_IMAGE}"  # a rule value: quoted in the definition's explanation
COMPONENT = f"Pay {SCRIPT}"
PRESET = f"preset {IMG}"
NOTES = {
    "doing": f"We fixed {SCRIPT}\n{MD_IMAGE}",
    "feedback_wanted": f"{IFRAME} {MD_LINK}",
    "feedback_given": f"{SVG} {ANCHOR}",
}
ACTION = f"Check {IMG} and {MD_LINK}"
ACTION_OWNER = f"Cy {SVG}"
LEADER = f"Head {ANCHOR}"
WEEKS = 16


# Quote, comment and wildcard payloads for names and filters (none has a comma or a run
# of spaces, so each is a name and a list item as typed).
SQL_PAYLOADS = (
    "x'; DROP TABLE teams; --",
    "' OR '1'='1",
    '"; DELETE FROM metric_values; --',
    "/* */",
    "\\",
    "\\'",
    "%",
    "_",
    "‘smart’ “quotes” ＇full＇",
    "); DROP TABLE areas; --",
    "? $1 :name",
    "a'b\"c`d",
)


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """A CSV file with every cell quoted, as a careful exporter writes it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue().encode("utf-8")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every table of the database with its row count."""
    names = [n for (n,) in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database() "
        "AND table_type = 'BASE TABLE'"
    ).fetchall()]  # fmt: skip
    return {
        n: con.execute(f"SELECT count(*) FROM {db.quote_ident(n)}").fetchone()[0] for n in names
    }


def build_hostile_db(path: Path) -> dict[str, Any]:
    """Fill the (new) database at ``path``; return what a test needs to look for."""
    last = latest_complete_week(today_utc())
    weeks = [last - dt.timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    with db.connect(path) as con:
        roster_rows = [["area", "team", "champion", "email", "since"]]
        roster_rows += [
            [AREA, TEAM_SCRIPT, CHAMPION, "ann@example.com", "2025-01-06"],
            [AREA, TEAM_IMAGE, OTHER_CHAMPION, "@bo", "2025-01-06"],
            [OTHER_AREA, TEAM_LINK, CHAMPION, "ann@example.com", "2025-01-06"],
            [OTHER_AREA, TEAM_FRAME, OTHER_CHAMPION, "@bo", "2025-01-06"],
            [AREA, TEAM_SVG, "", "", ""],
            [OTHER_AREA, TEAM_ANCHOR, CHAMPION, "ann@example.com", "2025-01-06"],
            [OTHER_AREA, FORMULA_TEAM, "+cmd", "@sum", "2025-01-06"],
        ]
        import_roster(con, csv_bytes(roster_rows), file_name=ROSTER_FILE, who=WHO)
        metric_rows = [["team", "week", "metric", "value"]]
        for t, team in enumerate(TEAMS):
            for i, week in enumerate(weeks):
                value = 10 + t + (i % 4) - (6 if i >= WEEKS - 4 and t == 0 else 0)
                metric_rows.append([team, week.isoformat(), "open_critical_bugs", value])
                metric_rows.append([team, week.isoformat(), "open_bugs", 3 * value])
        import_metrics(con, csv_bytes(metric_rows), file_name=METRICS_FILE, who=WHO)
        roster.update_area(con, AREA, who=WHO, head=LEADER, champions_channel="#quality")

        settings.update(con, {"program_name": PROGRAM_NAME}, who=WHO)
        progress.set_target(con, TEAM_SCRIPT, "open_critical_bugs", target=2.0,
                            due=last + dt.timedelta(weeks=20), who=WHO)  # fmt: skip

        bug_rows = [["Key", "Created", "Priority", "Labels", "Component", "Summary", "Status"]]
        for n in range(1, 7):
            bug_rows.append([f"HX-{n}", f"{weeks[n].isoformat()} 10:00", "Blocker" if n % 2 else "Low",
                             LABEL if n % 3 else "ui", COMPONENT, f"{SCRIPT} bug {n}", "Open"])  # fmt: skip
        mapping = {"key": "Key", "created": "Created", "priority": "Priority", "labels": "Labels",
                   "components": "Component", "summary": "Summary", "status": "Status"}  # fmt: skip
        save_mapping(con, PRESET, mapping, who=WHO)
        ownership.set_mapping(con, "component", COMPONENT, TEAM_SCRIPT, who=WHO)
        import_bugs(con, csv_bytes(bug_rows), file_name=BUGS_FILE, who=WHO, format="csv",
                    mapping=mapping)  # fmt: skip

        rule = {"any": [{"field": "priority", "in": ["Blocker"]},
                        {"field": "labels", "has_any": [LABEL]}]}  # fmt: skip
        first = critical.create_draft(con, title=DEFINITION_TITLE, rule=rule, rationale=RATIONALE,
                                      examples=MD_DIRECTIVE, who=WHO)  # fmt: skip
        critical.propose(con, first, who=WHO)
        critical.adopt(con, first, effective_from=weeks[0], who=WHO)
        second = critical.create_draft(
            con, title=f"{DEFINITION_TITLE} v2", rationale=RATIONALE, examples=SVG, who=WHO,
            rule={"all": [{"field": "labels", "has_any": [LABEL, COMPONENT]}]},
            based_on=first,
        )  # fmt: skip
        critical.propose(con, second, who=WHO)
        critical.record_stance(con, second, team=TEAM_IMAGE, stance="disagree",
                               comment=f"{IFRAME} {MD_IMAGE}", who=WHO)  # fmt: skip

        held = today_utc()
        meeting_id = meeting.create_meeting(con, held_on=held, areas=[AREA], who=WHO)
        for kind, text in NOTES.items():
            meeting.set_note(con, meeting_id, TEAM_SCRIPT, kind, text, who=WHO)
        meeting.add_action(con, team=TEAM_SCRIPT, text=ACTION, owner=ACTION_OWNER,
                           due=held + dt.timedelta(days=7), meeting_id=meeting_id, who=WHO)  # fmt: skip
        meeting.set_leader(con, meeting_id, True, LEADER, who=WHO)
    return {"meeting_id": meeting_id, "versions": (first, second), "last_week": last}
