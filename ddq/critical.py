"""Critical-bug definitions: versions with a life cycle, champions' stances, a draft's impact.

Every number the community discusses depends on what a critical bug is, so the definition
is versioned and agreed on in the open:

- **draft**: anyone with the right to edit definitions writes one (a title, a rule in the
  form :mod:`ddq.rules` reads, a rationale, examples and an optional SLA in days). Versions
  are numbered 1, 2, 3, ... in the order they were drafted.
- **proposed**: put to the champions. Each team's current champion records a stance
  (agree, disagree with a comment, or abstain); the page shows where every team stands.
- **adopted**: in force from its effective date. The definition adopted before it is
  retired on that same day, so exactly one definition is in force on any day after the
  first adoption (see :func:`current`). An adopted definition never changes again: a
  change is a new version, usually drafted ``based_on`` it.
- **retired**: no longer in force (replaced or withdrawn), or a draft or proposal that
  was abandoned. Final.

Every change runs in one transaction with its audit row; adoptions and retirements of
definitions that were in force also add an event (kind ``definition``) so that the trend
charts mark the day the meaning of "critical" changed.

:func:`impact` shows, before anyone adopts a version, which open bugs would change class
and how each team's count of critical bugs would move, computed in DuckDB from the rule's
compiled SQL (:func:`ddq.rules.to_sql`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics, clock, events, ledger, rules
from ddq.access import EDITOR, requires
from ddq.bugmetrics import OWNERS_SQL, UNASSIGNED
from ddq.db import claim, quote_ident, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, DdqError, NotFound, changed_since, stale
from ddq.metrics import EARLIEST_WEEK, today_utc
from ddq.org import find_own_team

if TYPE_CHECKING:
    import duckdb

DRAFT, PROPOSED, ADOPTED, RETIRED = "draft", "proposed", "adopted", "retired"
STATUSES = (DRAFT, PROPOSED, ADOPTED, RETIRED)
STANCES = ("agree", "disagree", "abstain")
EVENT_KIND = "definition"

EDITABLE_FIELDS = ("title", "rule", "rationale", "examples", "sla_days")
# Fields whose change alters what the champions took a stance on (what counts, and how
# long it may stay open); the others are wording.
_SUBSTANCE = ("rule", "sla_days")

MAX_TITLE = 200
MAX_TEXT = 20_000  # rationale and examples
MAX_COMMENT = 2_000
MAX_SLA_DAYS = 3650
# An effective date this far ahead is a typo in the year, not a plan.
MAX_DAYS_AHEAD = 366
DEFAULT_IMPACT_LIMIT = 500

_SUBJECT = "definition v{}"
# The record that adopting and retiring claim: which definition is in force.
_IN_FORCE = "definition in force"


class InvalidDefinition(DdqError):
    """A definition, stance or date that ddq does not accept; nothing was changed."""


# ------------------------------------------------------------------------------ helpers


def _now() -> dt.datetime:
    return clock.now()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _rule_of(rule: object) -> rules.Rule:
    """A rule given as a dict or as JSON text, validated (InvalidRule lists every problem)."""
    if isinstance(rule, str):
        return rules.parse(rule)
    if rule is None:
        raise InvalidDefinition('The rule is missing; write one such as {"any": [...]}.')
    return rules.require_valid(rule)


def _rule_json(rule: rules.Rule) -> str:
    return json.dumps(rule, ensure_ascii=False)


def _clean_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidDefinition("The title is empty; give the definition a short name.")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise InvalidDefinition(f"The title is longer than {MAX_TITLE} characters.")
    return title


def _clean_text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDefinition(f"The {what} must be text.")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidDefinition(f"The {what} is longer than {MAX_TEXT} characters.")
    return value


def _clean_sla(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidDefinition(f"The SLA is a whole number of days, not {value!r}.")
    if not 1 <= value <= MAX_SLA_DAYS:
        raise InvalidDefinition(f"The SLA must be 1 to {MAX_SLA_DAYS} days, not {value}.")
    return value


_COLUMNS = """
    d.version, d.title, d.status, d.rationale, d.examples, d.rule, d.sla_days,
    d.effective_from, d.created_at, d.created_by, d.adopted_at, d.adopted_by, d.retired_at,
    TRY_CAST(json_extract_string(c.after, '$.based_on') AS INTEGER) AS based_on
"""
# The version a draft was based on is part of its creation's audit row (the schema has no
# column for it); one creation row per version.
_FROM = """
    FROM critical_defs d
    LEFT JOIN (
        SELECT subject, arg_min(after, id) AS after FROM audit_log
        WHERE action = 'definition.draft' GROUP BY subject
    ) c ON c.subject = 'definition v' || d.version
"""


def rule_json(rule: rules.Rule, indent: str = "") -> str:
    """A rule as JSON for people: one condition per line, combinations indented."""
    if "field" in rule:
        return json.dumps(rule, ensure_ascii=False)
    (key, value), inner = next(iter(rule.items())), indent + "  "
    if key == "not":
        return f'{{"not": {rule_json(value, indent)}}}'
    items = ",\n".join(inner + "  " + rule_json(item, inner + "  ") for item in value)
    return f'{{\n{inner}"{key}": [\n{items}\n{inner}]\n{indent}}}'


def _enrich(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    rule = json.loads(row["rule"])
    row["rule"] = rule
    row["rule_json"] = rule_json(rule)
    row["explanation"] = rules.explain(rule)
    row["in_force"] = _in_force(row, today)
    return row


def _in_force(row: dict[str, Any], day: dt.date) -> bool:
    if row["effective_from"] is None or row["effective_from"] > day:
        return False
    return row["retired_at"] is None or row["retired_at"] >= _midnight(day + dt.timedelta(days=1))


def _load(con: duckdb.DuckDBPyConnection, version: int) -> dict[str, Any]:
    found = rows(con, f"SELECT {_COLUMNS} {_FROM} WHERE d.version = ?", [version])
    if not found:
        known = [r["version"] for r in rows(con, "SELECT version FROM critical_defs")]
        hint = (
            f" Versions: {', '.join(map(str, sorted(known)))}."
            if known
            else " None has been drafted yet."
        )
        raise NotFound(f"There is no definition version {version}.{hint}")
    return _enrich(found[0], today_utc())


def _frozen(row: dict[str, Any]) -> Conflict:
    """The error for any change to an adopted or retired version."""
    version = row["version"]
    if row["status"] == ADOPTED:
        return Conflict(
            f"Version {version} was adopted on {row['effective_from']} and cannot change; "
            "draft a new version based on it."
        )
    day = row["retired_at"].date() if row["retired_at"] else "an earlier day"
    return Conflict(
        f"Version {version} was retired on {day} and cannot change; "
        "draft a new version based on it."
    )


def _stance_count(con: duckdb.DuckDBPyConnection, version: int) -> int:
    return scalar(con, "SELECT count(*) FROM endorsements WHERE version = ?", [version])


# ----------------------------------------------------------------------------- writing


@requires(EDITOR, "draft a critical-bug definition")
@retry_on_conflict  # two drafts at once took the same number: the second takes the next
def create_draft(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str,
    rule: rules.Rule | str | None,
    rationale: str | None = None,
    examples: str | None = None,
    sla_days: int | None = None,
    who: str,
    based_on: int | None = None,
) -> int:
    """Write a new draft and return its version number (the highest so far plus one).

    ``rule`` is a dict or JSON text, validated by :mod:`ddq.rules` (every problem is
    reported at once). With ``based_on``, whatever is not given (``rule``, ``rationale``,
    ``examples``, ``sla_days`` left as None) is copied from that version, and the lineage
    is kept in the audit row and shown as ``based_on``; any version may be a base,
    adopted and retired ones included.
    """
    title = _clean_title(title)
    with transaction(con):
        base = _load(con, based_on) if based_on is not None else None
        if base is not None:
            rule = base["rule"] if rule is None else rule
            rationale = base["rationale"] if rationale is None else rationale
            examples = base["examples"] if examples is None else examples
            sla_days = base["sla_days"] if sla_days is None else sla_days
        clean_rule = _rule_of(rule)
        values = {
            "title": title,
            "rule": clean_rule,
            "rationale": _clean_text(rationale, "rationale"),
            "examples": _clean_text(examples, "examples"),
            "sla_days": _clean_sla(sla_days),
        }
        version = scalar(con, "SELECT coalesce(max(version), 0) + 1 FROM critical_defs")
        con.execute(
            "INSERT INTO critical_defs (version, title, rationale, examples, rule, sla_days, "
            "status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [version, values["title"], values["rationale"], values["examples"],
             _rule_json(clean_rule), values["sla_days"], DRAFT, _now(), who],
        )  # fmt: skip
        audit.record(con, who, "definition.draft", _SUBJECT.format(version),
                     after={**values, "based_on": based_on})  # fmt: skip
    return version


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Editable fields as stored (validated); InvalidDefinition for an unknown one."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidDefinition(
            f"Unknown field(s) {', '.join(unknown)}; a definition has {', '.join(EDITABLE_FIELDS)}."
        )
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "title":
            clean[key] = _clean_title(value)
        elif key == "rule":
            clean[key] = _rule_of(value)
        elif key == "sla_days":
            clean[key] = _clean_sla(value)
        else:
            clean[key] = _clean_text(value, key)
    return clean


def _field_words(fields: dict[str, Any]) -> dict[str, str]:
    """Fields as a stale-edit message quotes them."""
    return {k: rule_json(v) if k == "rule" else str(v) if v is not None else ""
            for k, v in fields.items()}  # fmt: skip


@requires(EDITOR, "edit a draft critical-bug definition")
@retry_on_conflict
def update_draft(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    who: str,
    expected: dict[str, Any] | None = None,
    **fields: Any,
) -> list[str]:
    """Change a draft's or a proposal's fields; return the names of those that changed.

    ``fields`` are any of title, rule (dict or JSON text), rationale, examples and
    sla_days (None removes the SLA). A draft can change freely. A proposal stays
    proposed and keeps its stances when only its wording changes (title, rationale,
    examples); its rule and SLA can change only while no team has taken a stance, because
    a stance is on what counts as critical: once one exists the change is refused
    (Conflict) and the way forward is a new draft based on it. Adopted and retired
    versions never change (Conflict, nothing written). Setting a field to the value it
    has is not a change and writes nothing.

    ``expected`` holds the fields as the person saw them when they began editing: a
    field they left as it was is not theirs to save, and one they changed that someone
    else has changed since is refused with StaleEdit (nothing is saved). Without it (the
    command line names only the fields to set) the fields given replace what is stored.
    """
    clean = _clean_fields(fields)
    seen = None if expected is None else _clean_fields(
        {k: v for k, v in expected.items() if k in EDITABLE_FIELDS})  # fmt: skip
    if seen is not None:
        clean = {k: v for k, v in clean.items() if k not in seen or v != seen[k]}
    with transaction(con):
        claim(con, "definition", version)
        row = _load(con, version)
        if row["status"] in (ADOPTED, RETIRED):
            raise _frozen(row)
        changed = {k: v for k, v in clean.items() if row[k] != v}
        stale_keys = [k for k in changed if k in (seen or {}) and row[k] != seen[k]]
        if stale_keys:
            raise stale(f"version {version}",
                        changed_since(_field_words(seen), _field_words(row), stale_keys))  # fmt: skip
        if not changed:
            return []
        substance = [k for k in _SUBSTANCE if k in changed]
        if row["status"] == PROPOSED and substance:
            taken = _stance_count(con, version)
            if taken:
                what = "rule" if substance == ["rule"] else " and ".join(substance)
                raise Conflict(
                    f"Version {version} is proposed and {taken} team(s) have taken a stance "
                    f"on it, so its {what.replace('sla_days', 'SLA')} cannot change: they "
                    "would have agreed to something else. Draft a new version based on it "
                    "instead; its title, rationale and examples can still be edited."
                )
        assignments = ", ".join(f"{quote_ident(k)} = ?" for k in changed)
        values = [_rule_json(v) if k == "rule" else v for k, v in changed.items()]
        con.execute(f"UPDATE critical_defs SET {assignments} WHERE version = ?", [*values, version])
        audit.record(con, who, "definition.update", _SUBJECT.format(version),
                     before={k: row[k] for k in changed}, after=changed)  # fmt: skip
    return list(changed)


@requires(EDITOR, "propose a critical-bug definition")
@retry_on_conflict  # proposed twice at once: the second is told it already is
def propose(con: duckdb.DuckDBPyConnection, version: int, *, who: str) -> None:
    """Put a draft to the champions: from now on each team's champion can take a stance."""
    with transaction(con):
        claim(con, "definition", version)
        row = _load(con, version)
        if row["status"] == PROPOSED:
            raise Conflict(f"Version {version} is already proposed.")
        if row["status"] != DRAFT:
            raise _frozen(row)
        con.execute("UPDATE critical_defs SET status = ? WHERE version = ?", [PROPOSED, version])
        audit.record(con, who, "definition.propose", _SUBJECT.format(version),
                     before={"status": DRAFT}, after={"status": PROPOSED})  # fmt: skip


def _date_problem(day: object) -> str | None:
    """Why ``day`` cannot be any definition's effective date, or None."""
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        return f"The effective date must be a date, not {day!r}."
    if day < EARLIEST_WEEK:
        return f"The effective date {day} is before 2000; check it."
    if day > today_utc() + dt.timedelta(days=MAX_DAYS_AHEAD):
        return f"The effective date {day} is more than a year ahead; check the year."
    return None


def _last_adopted(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The version that took (or takes) effect last, with its date; None before any."""
    found = rows(
        con,
        "SELECT version, effective_from FROM critical_defs WHERE effective_from IS NOT NULL "
        "ORDER BY effective_from DESC, version DESC LIMIT 1",
    )
    return found[0] if found else None


def _order_problem(day: dt.date, last: dict[str, Any] | None, version: int) -> str | None:
    """Why ``version`` cannot take effect on ``day`` after the last adopted one, or None."""
    if last is None or day > last["effective_from"]:
        return None
    return (
        f"Version {version} cannot take effect on {day}: version {last['version']} took "
        f"effect on {last['effective_from']}, and a new definition takes effect after the "
        f"previous one. Choose {last['effective_from'] + dt.timedelta(days=1)} or later."
    )


@dataclass(frozen=True)
class AdoptionDates:
    """The effective dates an adoption accepts now, and the one to suggest (with why).

    The first definition is suggested from the week of the oldest imported bug: nothing
    was computed under another definition, so every week of the bugs' history gets its
    critical-bug numbers at once. A later one is suggested from the Monday of the latest
    complete week (or the day after the last one took effect, when that is later): it
    counts from the week the community last looked at, and earlier history stays as it
    was computed (``ddq bugs recompute`` applies it to history on purpose).
    """

    earliest: dt.date
    latest: dt.date
    suggested: dt.date
    why: str
    last_version: int | None = None
    last_effective: dt.date | None = None

    def problem(self, version: int, day: object) -> str | None:
        """What adopting ``version`` from ``day`` would be refused for, or None."""
        if problem := _date_problem(day):
            return problem
        last = None
        if self.last_version is not None:
            last = {"version": self.last_version, "effective_from": self.last_effective}
        return _order_problem(day, last, version)  # type: ignore[arg-type]


def adoption_dates(con: duckdb.DuckDBPyConnection) -> AdoptionDates:
    """The range of effective dates an adoption accepts today, and the suggested one."""
    today = today_utc()
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    last = _last_adopted(con)
    earliest = EARLIEST_WEEK
    if last is not None:
        earliest = max(earliest, last["effective_from"] + dt.timedelta(days=1))
    complete = clock.latest_complete_week(today)
    first_bug = scalar(con, "SELECT min(created) FROM bugs") if last is None else None
    if first_bug is not None:
        suggested = clock.week_start(first_bug.date())
        why = (
            f"the week of the oldest imported bug ({first_bug:%Y-%m-%d}): no definition was "
            "in force before, so every week of the bugs' history gets critical-bug numbers"
        )
    else:
        suggested = complete
        why = "the Monday of the latest complete week: its numbers count critical bugs at once"
    if suggested < earliest:
        suggested = earliest
        if last is not None:
            why = f"the day after version {last['version']} took effect"
        else:
            why = "the earliest date ddq accepts"
    return AdoptionDates(
        earliest=earliest,
        latest=latest,
        suggested=min(suggested, latest),
        why=why,
        last_version=last["version"] if last else None,
        last_effective=last["effective_from"] if last else None,
    )


@requires(EDITOR, "adopt a critical-bug definition")
@retry_on_conflict
def adopt(
    con: duckdb.DuckDBPyConnection, version: int, *, effective_from: dt.date, who: str
) -> int | None:
    """Adopt a proposal from ``effective_from``; return the version it replaces, if any.

    The definition adopted before it is retired on ``effective_from`` (its ``retired_at``
    is that day's midnight, UTC), so the two never overlap. The effective date must be
    after the effective date of every version adopted before (history is never
    re-decided), not before 2000 and at most a year ahead. Only proposals can be adopted:
    a draft is proposed first, so that the champions can take a stance. Whether they
    agreed is shown, not enforced: the community decides in the meeting. Adds an event
    "Definition vN adopted: <title>" on the effective date.
    """
    if problem := _date_problem(effective_from):
        raise InvalidDefinition(problem)
    with transaction(con):
        # Two adoptions at once would each retire the one in force and both stay adopted.
        claim(con, _IN_FORCE)
        claim(con, "definition", version)
        row = _load(con, version)
        if row["status"] == DRAFT:
            raise Conflict(
                f"Version {version} is a draft; propose it first so that the champions can "
                "take a stance."
            )
        if row["status"] != PROPOSED:
            raise _frozen(row)
        if problem := _order_problem(effective_from, _last_adopted(con), version):
            raise Conflict(problem)
        replaced = rows(con, "SELECT version, title FROM critical_defs WHERE status = ?", [ADOPTED])
        starts = _midnight(effective_from)
        for old in replaced:
            con.execute(
                "UPDATE critical_defs SET status = ?, retired_at = ? WHERE version = ?",
                [RETIRED, starts, old["version"]],
            )
            audit.record(con, who, "definition.retire", _SUBJECT.format(old["version"]),
                         before={"status": ADOPTED},
                         after={"status": RETIRED, "retired_at": starts,
                                "replaced_by": version})  # fmt: skip
        con.execute(
            "UPDATE critical_defs SET status = ?, effective_from = ?, adopted_at = ?, "
            "adopted_by = ? WHERE version = ?",
            [ADOPTED, effective_from, _now(), who, version],
        )
        summary = stance_summary(con, version)
        audit.record(con, who, "definition.adopt", _SUBJECT.format(version),
                     before={"status": PROPOSED},
                     after={"status": ADOPTED, "effective_from": effective_from,
                            "stances": summary,
                            "replaces": [old["version"] for old in replaced]})  # fmt: skip
        details = row["explanation"]
        if replaced:
            details += (
                " Replaces "
                + ", ".join(f"v{old['version']} ({old['title']})" for old in replaced)
                + "."
            )
        events.add(con, kind=EVENT_KIND, title=f"Definition v{version} adopted: {row['title']}",
                   happened_at=starts, details=details)  # fmt: skip
        bugmetrics.refresh(con, who=who, reason=f"after adopting definition v{version}")
    return replaced[-1]["version"] if replaced else None


@requires(EDITOR, "retire a critical-bug definition")
@retry_on_conflict
def retire(con: duckdb.DuckDBPyConnection, version: int, *, who: str) -> None:
    """Retire a version now: an adopted one stops being in force, a draft or proposal is
    abandoned. Nothing replaces a retired adopted definition until another is adopted.

    Retiring an adopted definition adds an event "Definition vN retired: <title>". One
    whose effective date has not come yet cannot be retired (it would erase a decision
    announced for the future): adopt a later version to replace it, or retire it once it
    is in force.
    """
    with transaction(con):
        claim(con, _IN_FORCE)
        claim(con, "definition", version)
        row = _load(con, version)
        if row["status"] == RETIRED:
            raise Conflict(f"Version {version} is already retired.")
        now = _now()
        if row["status"] == ADOPTED and row["effective_from"] > now.date():
            raise Conflict(
                f"Version {version} takes effect on {row['effective_from']}; it cannot be "
                "retired before then."
            )
        con.execute(
            "UPDATE critical_defs SET status = ?, retired_at = ? WHERE version = ?",
            [RETIRED, now, version],
        )
        audit.record(con, who, "definition.retire", _SUBJECT.format(version),
                     before={"status": row["status"]},
                     after={"status": RETIRED, "retired_at": now})  # fmt: skip
        if row["status"] == ADOPTED:
            events.add(con, kind=EVENT_KIND,
                       title=f"Definition v{version} retired: {row['title']}",
                       happened_at=now,
                       details="No critical-bug definition is in force until another "
                               "is adopted.")  # fmt: skip
            bugmetrics.refresh(con, who=who, reason=f"after retiring definition v{version}")


@requires(EDITOR, "recompute bug metrics")
@retry_on_conflict
def apply_to_history(
    con: duckdb.DuckDBPyConnection, version: int, *, since: dt.date, who: str
) -> bugmetrics.Computation:
    """Compute the weeks from ``since`` under an adopted definition, on purpose.

    History is never rewritten by adopting a definition; this is how a community decides
    to. The decision is an import in the ledger (undoing it puts the weeks back under the
    definitions in force then) and an event on the trend charts; the metrics are
    recomputed in the same transaction.
    """
    definition = _load(con, version)
    if definition["status"] not in (ADOPTED, RETIRED) or definition["effective_from"] is None:
        raise Conflict(f"Version {version} is {definition['status']}; only an adopted "
                       "definition can be applied to history.")  # fmt: skip
    if isinstance(since, dt.datetime) or not isinstance(since, dt.date):
        raise InvalidDefinition(f"The first day must be a date, not {since!r}.")
    if since < EARLIEST_WEEK:
        raise InvalidDefinition(f"The first day {since} is before 2000; check it.")
    if since >= definition["effective_from"]:
        raise InvalidDefinition(
            f"Version {version} is in force from {definition['effective_from']} already; "
            "choose a day before that to apply it to history."
        )
    week = clock.week_start(since)
    title = f"History from {since} recomputed under definition v{version}"
    with transaction(con):
        import_id = ledger.start(con, kind=ledger.BUG_METRICS_HISTORY, file_name=title,
                                 sha256=None, who=who)  # fmt: skip
        con.execute(
            "INSERT INTO critical_history (import_id, version, since_week) VALUES (?, ?, ?)",
            [import_id, version, week],
        )
        events.add(con, kind=EVENT_KIND, title=title, happened_at=_midnight(week),
                   import_id=import_id)  # fmt: skip
        audit.record(con, who, "definition.history", _SUBJECT.format(version),
                     after={"import_id": import_id, "since": since})  # fmt: skip
        result = bugmetrics.refresh(con, who=who, reason=f"after import {import_id} ({title})")
    return result


_team = find_own_team  # one lookup for every module: see ddq.org.find_own_team


@requires(EDITOR, "record a team's stance on a definition")
@retry_on_conflict
def record_stance(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    team: str,
    stance: str,
    comment: str = "",
    who: str,
) -> dict[str, str]:
    """Record where a team stands on a proposal; return team, champion, stance, comment.

    The stance is the team's: it is recorded under the team's current champion (from the
    roster), so a team without a champion, or a retired team, cannot take one. A
    disagreement needs a comment saying why. Recording again replaces the team's earlier
    stance (the audit log keeps both): the form starts from no stance, so the latest one
    recorded is the team's, also when two are recorded at the same moment.
    """
    stance = (stance or "").strip().lower()
    if stance not in STANCES:
        raise InvalidDefinition(f"A stance is agree, disagree or abstain, not {stance!r}.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidDefinition(f"The comment is longer than {MAX_COMMENT} characters.")
    if stance == "disagree" and not comment:
        raise InvalidDefinition(
            "A disagreement needs a comment saying why, so the definition can be improved."
        )
    from ddq.roster import current_champion

    with transaction(con):
        # The definition, not just the stance: it must stay proposed, with the same rule.
        claim(con, "definition", version)
        row = _load(con, version)
        if row["status"] != PROPOSED:
            raise Conflict(
                f"Version {version} is {row['status']}; stances are taken on proposals only."
            )
        found = _team(con, team)
        if not found["active"]:
            raise Conflict(f"{found['name']} is retired; it cannot take a stance.")
        champion = current_champion(con, found["id"])
        if champion is None:
            raise Conflict(
                f"{found['name']} has no champion, so it cannot take a stance; name its "
                "champion on the roster first."
            )
        before = rows(
            con,
            "SELECT champion, stance, comment FROM endorsements WHERE version = ? AND team_id = ?",
            [version, found["id"]],
        )
        after = {"champion": champion["person"], "stance": stance, "comment": comment}
        if before and before[0] == after:
            return {"team": found["name"], **after}
        con.execute(
            "INSERT OR REPLACE INTO endorsements (version, team_id, champion, stance, comment, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            [version, found["id"], champion["person"], stance, comment, _now()],
        )
        audit.record(con, who, "definition.stance", f"{_SUBJECT.format(version)} {found['name']}",
                     before=before[0] if before else None, after=after)  # fmt: skip
    return {"team": found["name"], **after}


# ----------------------------------------------------------------------------- reading


def versions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every version, newest first.

    Each: version, title, status, rationale, examples, rule (dict), rule_json (indented),
    explanation (plain words), sla_days, effective_from, created_at, created_by,
    adopted_at, adopted_by, retired_at, based_on (version or None) and in_force (today).
    """
    today = today_utc()
    return [
        _enrich(r, today) for r in rows(con, f"SELECT {_COLUMNS} {_FROM} ORDER BY d.version DESC")
    ]


def get(con: duckdb.DuckDBPyConnection, version: int) -> dict[str, Any]:
    """One version, as in :func:`versions`; NotFound when there is no such version."""
    return _load(con, version)


def current(con: duckdb.DuckDBPyConnection, on: dt.date | None = None) -> dict[str, Any] | None:
    """The definition in force on ``on`` (today, UTC, by default), or None.

    In force: adopted with ``effective_from`` on or before the day and not retired on or
    before that day (a definition retired today is no longer in force today; one replaced
    on day D has ``retired_at`` D's midnight, so D belongs to its successor); the newest
    such. Before the first adoption, and after an adopted
    definition is retired with nothing to replace it, there is none.
    """
    day = on or today_utc()
    found = rows(
        con,
        f"""
        SELECT {_COLUMNS} {_FROM}
        WHERE d.effective_from IS NOT NULL AND d.effective_from <= ?
          AND (d.retired_at IS NULL OR d.retired_at >= ?)
        ORDER BY d.effective_from DESC, d.version DESC LIMIT 1
        """,
        [day, _midnight(day + dt.timedelta(days=1))],
    )
    return _enrich(found[0], today_utc()) if found else None


def stances(con: duckdb.DuckDBPyConnection, version: int) -> list[dict[str, Any]]:
    """Where every team stands on ``version``, by area then team.

    One row per active team, plus any retired team that took a stance: team, area,
    champion (the one recorded with the stance, else the current one; None when the
    team has none), stance (None: not yet), comment and recorded_at.
    """
    _load(con, version)
    return rows(
        con,
        """
        SELECT t.name AS team, a.name AS area,
               coalesce(e.champion, c.person) AS champion,
               e.stance, coalesce(e.comment, '') AS comment, e.recorded_at
        FROM teams t
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN endorsements e ON e.team_id = t.id AND e.version = ?
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.kind = 'team' AND (t.active OR e.stance IS NOT NULL)
        ORDER BY a.name_key NULLS LAST, t.name_key
        """,
        [version],
    )


def stance_summary(con: duckdb.DuckDBPyConnection, version: int) -> dict[str, int]:
    """How many teams agree, disagree, abstain, have no stance yet (``none``), and cannot
    take one because they have no champion (``no_champion``): only a champion votes."""
    counts = dict.fromkeys((*STANCES, "none", "no_champion"), 0)
    for row in stances(con, version):
        counts[row["stance"] or ("none" if row["champion"] else "no_champion")] += 1
    return counts


def compare(con: duckdb.DuckDBPyConnection, a: int, b: int) -> dict[str, Any]:
    """Two versions side by side: for each (``a``, ``b``) its version, title, status,
    explanation, rule, rule_json and sla_days; ``changes``: what changed from a to b, in
    words (:func:`ddq.rules.diff_words`; empty when the rules mean the same)."""
    old, new = _load(con, a), _load(con, b)
    keys = ("version", "title", "status", "explanation", "rule", "rule_json", "sla_days")
    changes = rules.diff_words(old["rule"], new["rule"])
    if old["sla_days"] != new["sla_days"]:
        changes.append(
            f"The SLA changed from {_sla_words(old['sla_days'])} to {_sla_words(new['sla_days'])}."
        )
    return {"a": {k: old[k] for k in keys}, "b": {k: new[k] for k in keys}, "changes": changes}


def _sla_words(days: int | None) -> str:
    return "none" if days is None else f"{days} day{'s' if days != 1 else ''}"


# ------------------------------------------------------------------------------ impact


def field_values(con: duckdb.DuckDBPyConnection, limit: int = 200) -> dict[str, list[str]]:
    """The names the imported bugs use in each rule field, most used first: what a rule
    builder offers to pick (any other name can still be typed)."""
    found: dict[str, list[str]] = {}
    for name in rules.FIELDS:
        column = quote_ident(name)
        values = f"unnest({column})" if name in rules.LIST_FIELDS else column
        found[name] = [
            v
            for (v,) in con.execute(
                f"SELECT v FROM (SELECT trim({values}) AS v FROM bugs) WHERE v <> '' "
                "GROUP BY v ORDER BY count(*) DESC, v LIMIT ?",
                [limit],
            ).fetchall()
        ]
    return found


def impact(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    against: int | None = None,
    on: dt.date | None = None,
    limit: int = DEFAULT_IMPACT_LIMIT,
) -> dict[str, Any]:
    """What adopting ``version`` would change, before anyone adopts it.

    Compares ``version`` with the definition in force on ``on`` (or with version
    ``against``) over the bugs open at the end of ``on`` (today by default): created on
    or before that day and not resolved by then (resolved NULL, or after the day), of the
    issue types that count as bugs (:func:`ddq.bugmetrics.bug_type_filter_sql`). Owners come from
    :data:`ddq.ownership.OWNERS_SQL`. When nothing is in force, every bug the version
    makes critical "becomes critical".

    Returns version, title, against (version or None), against_title, on, and:

    - ``teams``: one row per active team (also a retired team that owns open bugs), then
      ``Unassigned``: team, area, unassigned (bool), open_bugs, critical_before (under the
      baseline), critical_after (under ``version``), became_critical,
      became_not_critical and change (after minus before);
    - ``totals``: the same counts over all rows;
    - ``changed``: up to ``limit`` bugs that change class (tracker, key, team, summary,
      priority, severity, type, status, labels, components, becomes: "critical" or
      "not critical"), by team then key; ``changed_total``: how many there are in all.
    """
    day = on or today_utc()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidDefinition(f"The limit is a whole number of bugs, not {limit!r}.")
    draft = _load(con, version)
    base = _load(con, against) if against is not None else current(con, day)
    new_sql, new_params = rules.to_sql(draft["rule"], table="b")
    if base is None:
        old_sql, old_params = "false", []
    else:
        old_sql, old_params = rules.to_sql(base["rule"], table="b")
    type_sql, type_params = bugmetrics.bug_type_filter_sql(con, "b.type")
    end = _midnight(day + dt.timedelta(days=1))
    classified = f"""
        WITH {OWNERS_SQL},
        classified AS (
            SELECT b.tracker, b.key, o.team_id, b.summary, b.priority, b.severity, b.type,
                   b.status, b.labels, b.components,
                   {old_sql} AS was_critical, {new_sql} AS is_critical
            FROM bugs b JOIN bug_owners o ON o.tracker = b.tracker AND o.key = b.key
            WHERE b.created < ? AND (b.resolved IS NULL OR b.resolved >= ?) AND {type_sql}
        )
    """
    params = [*old_params, *new_params, end, end, *type_params]
    teams = rows(
        con,
        classified
        + """,
        per_team AS (
            SELECT team_id, count(*) AS open_bugs,
                   count(*) FILTER (was_critical) AS critical_before,
                   count(*) FILTER (is_critical) AS critical_after,
                   count(*) FILTER (is_critical AND NOT was_critical) AS became_critical,
                   count(*) FILTER (was_critical AND NOT is_critical) AS became_not_critical
            FROM classified GROUP BY team_id
        ),
        shown AS (
            SELECT id, name, area_id, name_key FROM teams
            WHERE kind = 'team' AND (active OR id IN (SELECT team_id FROM per_team))
            UNION ALL SELECT NULL, ?, NULL, NULL
        )
        SELECT s.name AS team, a.name AS area, s.id IS NULL AS unassigned,
               coalesce(p.open_bugs, 0) AS open_bugs,
               coalesce(p.critical_before, 0) AS critical_before,
               coalesce(p.critical_after, 0) AS critical_after,
               coalesce(p.became_critical, 0) AS became_critical,
               coalesce(p.became_not_critical, 0) AS became_not_critical,
               coalesce(p.critical_after, 0) - coalesce(p.critical_before, 0) AS change
        FROM shown s
        LEFT JOIN per_team p ON p.team_id IS NOT DISTINCT FROM s.id
        LEFT JOIN areas a ON a.id = s.area_id
        ORDER BY s.id IS NULL, a.name_key NULLS LAST, s.name_key
        """,
        [*params, UNASSIGNED],
    )
    changed = rows(
        con,
        classified
        + """
        SELECT c.tracker, c.key, coalesce(t.name, ?) AS team, c.summary, c.priority,
               c.severity, c.type, c.status, c.labels, c.components,
               CASE WHEN c.is_critical THEN 'critical' ELSE 'not critical' END AS becomes
        FROM classified c LEFT JOIN teams t ON t.id = c.team_id
        WHERE c.was_critical <> c.is_critical
        ORDER BY c.team_id IS NULL, t.name_key, c.key, c.tracker
        LIMIT ?
        """,
        [*params, UNASSIGNED, limit],
    )
    count_keys = ("open_bugs", "critical_before", "critical_after", "became_critical",
                  "became_not_critical", "change")  # fmt: skip
    totals = {k: sum(t[k] for t in teams) for k in count_keys}
    return {
        "version": version,
        "title": draft["title"],
        "against": None if base is None else base["version"],
        "against_title": None if base is None else base["title"],
        "on": day,
        "teams": teams,
        "totals": totals,
        "changed": changed,
        "changed_total": totals["became_critical"] + totals["became_not_critical"],
        "limit": limit,
    }
