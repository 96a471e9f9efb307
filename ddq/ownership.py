"""Which team owns a bug: its tracker components, project or labels, mapped to teams.

A bug belongs to exactly one team: the team its export names (a team column in a mapped
CSV) when that team exists, else the first of its components, in the order the export
lists them, that is mapped; else its project; else its first mapped label. A bug none of
these map is "Unassigned", and pages show it as such rather than hide it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics, roster
from ddq.access import EDITOR, Actor, requires
from ddq.bugmetrics import OWNERS_SQL
from ddq.db import claim, claim_each, quote_ident, retry_on_conflict, rows, scalar, transaction
from ddq.errors import DdqError, NotFound
from ddq.ingest.csvfile import drop_staged, read_upload, stage_csv, strip_export_quote
from ddq.ingest.problems import ImportRejected, Problem
from ddq.metrics import fold_name
from ddq.org import closest_name, name_key, some_names

if TYPE_CHECKING:
    import duckdb

KINDS = ("component", "project", "label")


@dataclass(frozen=True)
class UnassignedBugs:
    """The bugs no team owns: counted for the organisation as the team ``team``."""

    team: str
    bugs: int  # counted as bugs (the issue types that count), any state
    open_bugs: int  # of them, open now
    to_map: list[dict[str, Any]]  # the components and projects most of them carry


def unassigned(con: duckdb.DuckDBPyConnection) -> UnassignedBugs | None:
    """The bugs that no mapping gives to a team, or None when every bug has a team."""
    team_id = bugmetrics.unassigned_team_id(con)
    if team_id is None:
        return None
    type_sql, type_params = bugmetrics.bug_type_filter_sql(con, "b.type")
    found = con.execute(
        f"""
        WITH {OWNERS_SQL}
        SELECT count(*), count(*) FILTER (b.resolved IS NULL)
        FROM bugs b JOIN bug_owners o USING (tracker, key)
        WHERE o.team_id IS NULL AND {type_sql}
        """,
        type_params,
    ).fetchone()
    assert found is not None  # an aggregate returns one row
    counted, still_open = found
    if not counted:
        return None
    name = scalar(con, "SELECT name FROM teams WHERE id = ?", [team_id])
    return UnassignedBugs(name, counted, still_open, unmapped_values(con, limit=3))


class InvalidMapping(DdqError):
    """A team mapping that cannot be stored."""


def value_key(value: str) -> str:
    return value.strip().lower()


@requires(EDITOR, "map owners to teams")
@retry_on_conflict  # the last mapping wins: it says who owns the bugs from now on
def set_mapping(
    con: duckdb.DuckDBPyConnection, kind: str, value: str, team: str, *, who: Actor
) -> str:
    """Map a component, project key or label to a team (replacing an earlier mapping)."""
    if kind not in KINDS:
        raise InvalidMapping(f"Map a component, project or label, not {kind!r}.")
    if not value.strip():
        raise InvalidMapping(f"The {kind} to map is empty.")
    team_row = rows(con, "SELECT id, name, kind FROM teams WHERE name_key = ?", [name_key(team)])
    if not team_row:
        raise NotFound(f"There is no team {team!r}; add it to the roster first.")
    if team_row[0]["kind"] != "team":
        raise InvalidMapping(f"{team_row[0]['name']} holds the bugs no team owns; map the "
                             f"{kind} to the team that owns it.")  # fmt: skip
    with transaction(con):
        claim(con, "team mapping", kind, value_key(value))
        before = scalar(
            con,
            "SELECT t.name FROM team_mappings m JOIN teams t ON t.id = m.team_id "
            "WHERE m.kind = ? AND m.value_key = ?",
            [kind, value_key(value)],
        )
        con.execute(
            "INSERT OR REPLACE INTO team_mappings (kind, value, value_key, team_id) "
            "VALUES (?, ?, ?, ?)",
            [kind, value.strip(), value_key(value), team_row[0]["id"]],
        )
        audit.record(con, who, "mapping.set", f"{kind} {value.strip()}",
                     before={"team": before}, after={"team": team_row[0]["name"]})  # fmt: skip
        computed = bugmetrics.refresh(con, who=who, reason=f"after mapping {kind} "
                                      f"{value.strip()!r} to {team_row[0]['name']}")  # fmt: skip
    return _with_metrics(f"{kind} {value.strip()!r} now belongs to {team_row[0]['name']}.",
                         computed)  # fmt: skip


@requires(EDITOR, "map owners to teams")
@retry_on_conflict
def remove_mapping(con: duckdb.DuckDBPyConnection, kind: str, value: str, *, who: Actor) -> str:
    with transaction(con):
        claim(con, "team mapping", kind, value_key(value))
        before = scalar(con, "SELECT value FROM team_mappings WHERE kind = ? AND value_key = ?",
                        [kind, value_key(value)])  # fmt: skip
        if before is None:
            raise NotFound(f"No {kind} {value!r} is mapped.")
        con.execute("DELETE FROM team_mappings WHERE kind = ? AND value_key = ?",
                    [kind, value_key(value)])  # fmt: skip
        audit.record(con, who, "mapping.remove", f"{kind} {before}")
        computed = bugmetrics.refresh(con, who=who, reason=f"after unmapping {kind} {before!r}")
    return _with_metrics(f"{kind} {before!r} is no longer mapped.", computed)


MAPPING_FILE_COLUMNS = ("kind", "value", "team")
_STAGED = "team_mappings_staged"


@dataclass
class MappingsFromFile:
    """What mapping owners from a file did, or (dry run) would do."""

    file_name: str
    rows: int
    added: int  # components, projects or labels mapped for the first time
    moved: int  # mapped to another team than before
    unchanged: int
    teams_created: list[str] = field(default_factory=list)
    metrics: bugmetrics.Computation | None = None
    dry_run: bool = False

    def summary(self) -> str:
        counts = f"{self.added} new, {self.moved} moved to another team, {self.unchanged} unchanged"
        teams = ""
        if self.teams_created:
            verb = "would create" if self.dry_run else "created"
            teams = (f"; {verb} {len(self.teams_created)} team(s): "
                     f"{some_names(self.teams_created)}")  # fmt: skip
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}{teams}; nothing was changed"
        return f"{self.file_name}: {self.rows} mapping(s): {counts}{teams}"


def _mapping_rows(con: duckdb.DuckDBPyConnection, data: bytes, name: str,
                  path: Path | None) -> list[tuple[int, dict[str, str], dict[str, str]]]:  # fmt: skip
    """(line, field -> cell, field -> header) for each row of a ``kind,value,team`` file."""
    staged = stage_csv(con, data, name, path=path, table=_STAGED)
    if staged.problems:
        raise ImportRejected(name, staged.problems)
    by_fold = {fold_name(h): (c, h) for c, h in zip(staged.columns, staged.header, strict=True)}
    missing = [f for f in MAPPING_FILE_COLUMNS if f not in by_fold]
    if missing:
        raise ImportRejected(name, [Problem(1, "", ",".join(staged.header),
            f"no column {' or '.join(missing)}; the header is kind,value,team (kind: "
            "component, project or label)")])  # fmt: skip
    chosen = [by_fold[f] for f in MAPPING_FILE_COLUMNS]
    cells = ", ".join(quote_ident(c) for c, _ in chosen)
    headers = {f: h for f, (_, h) in zip(MAPPING_FILE_COLUMNS, chosen, strict=True)}
    return [
        (line, {f: strip_export_quote((v or "").strip())
                for f, v in zip(MAPPING_FILE_COLUMNS, values, strict=True)}, headers)
        for line, *values in con.execute(
            f"SELECT line, {cells} FROM {_STAGED} ORDER BY line").fetchall()
    ]  # fmt: skip


@requires(EDITOR, "map owners to teams")
@retry_on_conflict  # the whole file again, on top of a change made at the same moment
def map_from_file(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    who: Actor,
    file_name: str | None = None,
    create_teams: bool = False,
    dry_run: bool = False,
    max_mb: float | None = None,
) -> MappingsFromFile:
    """Map many components, projects and labels to teams from a ``kind,value,team`` CSV file.

    All or nothing: every problem is named by its line, column and value, and then nothing
    changes. With ``create_teams``, teams the file names that do not exist are created. The
    mappings, the teams and the bug metrics recomputed from them land in one transaction,
    the metrics computed once for the whole file.
    """
    name = file_name or (source.name if isinstance(source, Path) else "upload")
    data = read_upload(source, name, max_mb=max_mb)
    try:
        found = _mapping_rows(con, data, name, source if isinstance(source, Path) else None)
    finally:
        drop_staged(con, _STAGED)
    teams = {r["name_key"]: r for r in rows(con, "SELECT id, name, name_key, kind FROM teams")}
    own = [t["name"] for t in teams.values() if t["kind"] == "team"]
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    wanted: list[tuple[str, str, str]] = []  # kind, value, team name as the file writes it
    new_teams: dict[str, str] = {}
    for line, cell, header in found:
        kind, value, team = cell["kind"].lower(), cell["value"], " ".join(cell["team"].split())
        bad = len(problems)
        if kind not in KINDS:
            problems.append(Problem(line, header["kind"], cell["kind"],
                                    "the kind is component, project or label"))  # fmt: skip
        if not value:
            problems.append(Problem(line, header["value"], "", "the value is empty; name the "
                                    "component, project key or label"))  # fmt: skip
        known = teams.get(name_key(team))
        if not team:
            problems.append(Problem(line, header["team"], "", "the team is empty"))
        elif known is not None and known["kind"] != "team":
            problems.append(Problem(line, header["team"], team, "this is the name ddq gives the "
                                    "bugs that no team owns; map the value to the team that owns "
                                    "it"))  # fmt: skip
        elif known is None and not create_teams:
            guess = closest_name(team, own)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            problems.append(Problem(line, header["team"], team, f"unknown team{hint}; add it "
                                    "to the roster first, or let the command create missing "
                                    "teams (--create-teams)"))  # fmt: skip
        elif known is None and (team_problem := roster.name_problem(team, "team name")):
            problems.append(Problem(line, header["team"], team, team_problem))
        elif known is None:
            new_teams.setdefault(name_key(team), team)
        mapped = (kind, value_key(value))
        if kind in KINDS and value and mapped in seen:
            problems.append(Problem(line, header["value"], value, f"the {kind} is also on "
                                    f"line {seen[mapped]}; map each {kind} once"))  # fmt: skip
        seen.setdefault(mapped, line)
        if len(problems) == bad:
            wanted.append((kind, value, team))
    if not found:
        problems.append(Problem(0, "", None, "the file has no mappings"))
    if problems:
        raise ImportRejected(name, problems)
    before = {(r["kind"], r["value_key"]): r["team_id"] for r in rows(
        con, "SELECT kind, value_key, team_id FROM team_mappings")}  # fmt: skip

    def team_id(team: str) -> int | None:
        known = teams.get(name_key(team))
        return known["id"] if known else None

    was = [before.get((k, value_key(v))) for k, v, _ in wanted]
    now = [team_id(t) for _, _, t in wanted]
    result = MappingsFromFile(
        file_name=name,
        rows=len(wanted),
        added=sum(w is None for w in was),
        moved=sum(w is not None and (n is None or w != n) for w, n in zip(was, now, strict=True)),
        unchanged=sum(w is not None and w == n for w, n in zip(was, now, strict=True)),
        teams_created=sorted(new_teams.values(), key=name_key),
        dry_run=dry_run,
    )
    if dry_run:
        return result
    with transaction(con):
        claim_each(con, "team mapping", [(k, value_key(v)) for k, v, _ in wanted])
        for team in result.teams_created:
            teams[name_key(team)] = {"id": roster.ensure_team(con, team, None)[0], "name": team,
                                     "name_key": name_key(team), "kind": "team"}  # fmt: skip
            audit.record(con, who, "team.add", team, after={"area": None, "from": name})
        names = {t["id"]: t["name"] for t in teams.values()}
        old = {(r["kind"], r["value_key"]): r["team"] for r in rows(
            con, "SELECT m.kind, m.value_key, t.name AS team FROM team_mappings m "
                 "JOIN teams t ON t.id = m.team_id")}  # fmt: skip
        con.executemany(
            "INSERT OR REPLACE INTO team_mappings (kind, value, value_key, team_id) "
            "VALUES (?, ?, ?, ?)",
            [(k, v, value_key(v), team_id(t)) for k, v, t in wanted],
        )
        for kind, value, team in wanted:
            previous = old.get((kind, value_key(value)))
            if previous != names[team_id(team)]:
                audit.record(con, who, "mapping.set", f"{kind} {value}", before={"team": previous},
                             after={"team": names[team_id(team)], "from": name})  # fmt: skip
        result.metrics = bugmetrics.refresh(
            con, who=who, reason=f"after mapping {len(wanted)} owners from {name}"
        )
    return result


def _with_metrics(message: str, computed: bugmetrics.Computation) -> str:
    """The confirmation, and what the change did to the bug metrics when it did anything."""
    if not computed.changed:
        return message
    return f"{message} Bug metrics recomputed: {computed.summary()}."


def mappings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every mapping: kind, value and team, sorted."""
    return rows(
        con,
        "SELECT m.kind, m.value, t.name AS team FROM team_mappings m "
        "JOIN teams t ON t.id = m.team_id ORDER BY m.kind, m.value_key",
    )


def unmapped_values(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict[str, Any]]:
    """Components and projects of unassigned bugs, most frequent first: what to map next."""
    return rows(
        con,
        f"""
        WITH {OWNERS_SQL},
        unassigned AS (
            SELECT b.* FROM bugs b JOIN bug_owners o USING (tracker, key) WHERE o.team_id IS NULL
        )
        SELECT kind, value, count(*) AS bugs FROM (
            SELECT 'component' AS kind, unnest(components) AS value FROM unassigned
            UNION ALL
            SELECT 'project', project FROM unassigned WHERE project IS NOT NULL
        ) GROUP BY kind, value ORDER BY bugs DESC, kind, value LIMIT ?
        """,
        [limit],
    )
