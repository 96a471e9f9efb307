"""Hostile input: no user text reaches HTML, and no name or filter can change a query.

- A static check over the pages and ``ddq/ui``: nothing but constant text goes to
  ``unsafe_allow_html=True``, ``st.html`` or a component, and no exception's text is shown
  as Markdown without :func:`ddq.ui.format.plain`.
- SQL: quote, comment and wildcard payloads through every name and filter (teams, areas,
  people, metrics, critical-bug rules, ownership mappings, bug mapping presets, settings,
  the audit log, meetings, and the command's arguments). Each is refused with a clear
  :class:`ddq.errors.DdqError` or stored and returned verbatim, and every table keeps its
  rows. The pages' URL parameters get the same payloads in tests/pages/test_hostile_pages.py.
"""

from __future__ import annotations

import ast
import datetime as dt
import json

import duckdb
import pytest
from conftest import ROOT

from ddq import audit, critical, db, events, meeting, org, ownership, progress, roster, rules
from ddq import settings as settings_core
from ddq.errors import DdqError, NotFound
from ddq.ingest.bugs import import_bugs, load_mapping, save_mapping
from ddq.ingest.metrics import import_metrics
from ddq.ingest.problems import ImportRejected
from ddq.metrics import catalog, today_utc
from ddq.trends import Scope, build_trend, freshness, headlines, latest_complete_week, movers
from tests.hostile_data import SQL_PAYLOADS, WHO, counts, csv_bytes

# All of them at once, for the command's arguments (one run each).
EVERYTHING = "x'; DROP TABLE teams; -- \" OR '1'='1 /* */ \\ % _ ‘’“”"


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        yield connection


def _teams_in_their_own_areas(con: duckdb.DuckDBPyConnection) -> dt.date:
    """One team and one area per payload, both named with it, with 3 weeks of values."""
    last = latest_complete_week(today_utc())
    for name in SQL_PAYLOADS:
        roster.add_team(con, name, name, who=WHO)
    rows = [["team", "week", "metric", "value"]]
    for i, name in enumerate(SQL_PAYLOADS):
        for w in range(3):
            rows.append([name, (last - dt.timedelta(weeks=w)).isoformat(), "open_bugs", i + w])
    import_metrics(con, csv_bytes(rows), file_name="x'; DROP TABLE imports; --.csv", who=WHO)
    return last


# --- a static check: what may reach HTML -------------------------------------------------

UI_FILES = sorted([*(ROOT / "app_pages").glob("*.py"), *(ROOT / "ddq" / "ui").glob("*.py")])
# app.py shows only errors about the database file that whoever started the server chose.
ENTRY = ROOT / "app.py"
HTML_CALLS = {"html", "iframe", "declare_component"}
MARKDOWN_CALLS = {"markdown", "caption", "write", "info", "success", "warning", "error",
                  "toast", "title", "header", "subheader"}  # fmt: skip


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _constant_text(node: ast.expr, constants: frozenset[str] = frozenset()) -> bool:
    """A string literal, or the name of one the module assigns once at its top level."""
    if isinstance(node, ast.Name):
        return node.id in constants
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _module_constants(tree: ast.Module) -> frozenset[str]:
    """Names the module's top level binds once, to a string literal, and never rebinds."""
    bound: dict[str, int] = {}
    literal = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else []  # fmt: skip
        for target in targets:
            if isinstance(target, ast.Name):
                bound[target.id] = bound.get(target.id, 0) + 1
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and _constant_text(node.value):  # fmt: skip
            literal.add(node.targets[0].id)
    return frozenset(name for name in literal if bound[name] == 1)


def _raw_exception_text(node: ast.expr) -> list[ast.AST]:
    """``str(x)`` or ``f"{x}"`` of an exception inside ``node``, not wrapped in plain() (or
    lines(), which applies plain() to each line)."""
    found = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Call) and _called(n) in ("plain", "lines"):
            return
        if isinstance(n, ast.Call) and _called(n) == "str" and n.args:
            found.append(n)
        if isinstance(n, ast.FormattedValue) and isinstance(n.value, ast.Name) and \
                n.value.id in ("exc", "error", "problem", "explained"):  # fmt: skip
            found.append(n)
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return found


def html_problems(source: str, name: str, *, errors: bool = True) -> list[str]:
    """Where non-constant text could reach HTML, or (``errors``) an exception's text
    reaches Markdown."""
    problems = []
    tree = ast.parse(source)
    constants = _module_constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        where = f"{name}:{node.lineno}"
        unsafe = [k.value for k in node.keywords if k.arg == "unsafe_allow_html"]
        allowed = unsafe and not (isinstance(unsafe[0], ast.Constant) and unsafe[0].value is False)
        texts = [*node.args, *(k.value for k in node.keywords if k.arg in ("body", "label"))]
        if allowed and not all(_constant_text(a, constants) for a in texts):
            problems.append(f"{where}: unsafe_allow_html with text that is not constant")
        if called in HTML_CALLS and not all(_constant_text(a, constants) for a in node.args):
            problems.append(f"{where}: {called}() with text that is not constant")
        if errors and called in MARKDOWN_CALLS and node.args and _raw_exception_text(node.args[0]):
            problems.append(f"{where}: {called}() shows an error's text as Markdown; use plain()")
    return problems


def test_the_static_check_finds_what_it_looks_for():
    bad = (
        "st.markdown(f'<b>{team}</b>', unsafe_allow_html=True)\n"
        "st.html(note)\n"
        "components.html('<p>' + x)\n"
        "st.error(str(exc))\n"
        "st.caption(f'failed: {exc}')\n"
    )
    assert len(html_problems(bad, "bad.py")) == 5
    # A module's string constant is as safe as the literal; a name bound twice is not.
    assert html_problems("STYLE = '<style>p {}</style>'\nst.html(STYLE)\n", "ok.py") == []
    rebound = "STYLE = '<p>'\ndef f(t):\n    global STYLE\n    STYLE = t\nst.html(STYLE)\n"
    assert len(html_problems(rebound, "rebound.py")) == 1
    assert len(html_problems("def f(STYLE):\n    st.html(STYLE)\n", "arg.py")) == 1
    good = (
        "st.markdown('<br>', unsafe_allow_html=True)\n"
        "st.html('<hr>')\n"
        "st.markdown(plain(team))\n"
        "st.error(plain(str(exc)))\n"
        "st.error(lines(str(exc)))\n"
        "st.markdown(x, unsafe_allow_html=False)\n"
    )
    assert html_problems(good, "good.py") == []


def test_lines_keeps_each_line_and_escapes_it():
    from ddq.ui.format import lines, plain

    text = "The rule is not valid:\n- line 1: <img src=x> [a](b)"
    assert lines(text) == plain("The rule is not valid:") + "  \n" + plain(
        "- line 1: <img src=x> [a](b)"
    )
    assert "\\<img" in lines(text)  # escaped, so Markdown shows it as typed


def test_no_user_text_can_reach_html_in_the_pages_or_the_ui_helpers():
    assert len(UI_FILES) > 10
    problems = []
    for path in UI_FILES:
        problems += html_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    problems += html_problems(ENTRY.read_text(encoding="utf-8"), "app.py", errors=False)
    assert problems == []


# --- names: create, move, rename, look up, search ----------------------------------------


def test_names_are_data_on_create_move_lookup_and_search(con):
    before = counts(con)
    for i, name in enumerate(SQL_PAYLOADS):
        assert roster.add_team(con, name, name, who=WHO) == f"{name} added."
        roster.assign_champion(con, name, name, f"@p{i}", dt.date(2025, 1, 6), who=WHO)
        roster.update_area(con, name, who=WHO, head=name)
    for name in SQL_PAYLOADS:
        found = org.find_team(con, name)
        assert (found["name"], found["area"]) == (name, name)
        assert [t["person"] for t in roster.history(con, name)] == [name]
        with pytest.raises(NotFound) as missing:
            org.find_team(con, "zz" + name)
        assert repr("zz" + name) in str(missing.value)
    listed = roster.roster(con)
    assert sorted((r["team"], r["area"], r["champion"]) for r in listed) == sorted(
        (n, n, n) for n in SQL_PAYLOADS
    )
    assert sorted(d["head"] for d in roster.areas_detail(con)) == sorted(SQL_PAYLOADS)
    # A move to another payload's area, and back.
    first, second = SQL_PAYLOADS[0], SQL_PAYLOADS[1]
    roster.move_team(con, first, second, who=WHO)
    assert org.find_team(con, first)["area"] == second
    roster.move_team(con, first, first, who=WHO)

    from ddq.ui.roster import matches  # the Champions page's search

    for name in ("%", "' OR '1'='1", "/* */"):
        assert [r["team"] for r in listed if matches(r, name)] == [name]
    assert {r["team"] for r in listed if matches(r, "_")} == {n for n in SQL_PAYLOADS if "_" in n}
    after = counts(con)
    assert set(after) == set(before)
    assert (after["teams"], after["areas"], after["champions"]) == (len(SQL_PAYLOADS),) * 3


# --- metric values, trends, filters --------------------------------------------------------


def test_trend_filters_and_metric_names_take_payloads_as_data(con):
    last = _teams_in_their_own_areas(con)
    open_bugs = next(m for m in catalog(con) if m.key == "open_bugs")
    for i, name in enumerate(SQL_PAYLOADS):
        team = build_trend(con, open_bugs, Scope(teams=(name,)), 13, today=today_utc())
        assert [v for v in team.values if v is not None] == [i + 2, i + 1, i]
        other = SQL_PAYLOADS[i - 1]
        pair = build_trend(con, open_bugs, Scope(teams=(name, other)), 13, today=today_utc())
        assert sorted(pair.compared) == sorted([name, other])
        assert [v for v in pair.compared[name] if v is not None] == [i + 2, i + 1, i]
        area = build_trend(con, open_bugs, Scope(area=name), 13, today=today_utc())
        assert [v for v in area.values if v is not None] == [i + 2, i + 1, i]
        top = headlines(con, Scope(area=name), catalog(con), today_utc())
        assert [h["value"] for h in top if h["metric"].key == "open_bugs"] == [i]
        assert movers(con, Scope(area=name), open_bugs, today_utc()) is not None
        assert freshness(con, Scope(area=name), today_utc())["not_reported"] == []
        imported = events.between(con, last, today_utc(), area=name, teams=(name,))
        assert [e["kind"] for e in imported] == ["import"]
    # A metric name from a file or a command: refused by name, never run.
    for name in SQL_PAYLOADS:
        wide = csv_bytes([["team", "week", name], [SQL_PAYLOADS[0], last.isoformat(), "1"]])
        with pytest.raises(ImportRejected) as rejected:
            import_metrics(con, wide, file_name="wide.csv", who=WHO)
        assert any(p.column == name or name in str(p) for p in rejected.value.problems)
        long = csv_bytes([["team", "week", "metric", "value"],
                          [SQL_PAYLOADS[0], last.isoformat(), name, "1"]])  # fmt: skip
        with pytest.raises(ImportRejected) as rejected:
            import_metrics(con, long, file_name="long.csv", who=WHO)
        assert any(p.value == name for p in rejected.value.problems)
        with pytest.raises(DdqError):
            progress.set_target(con, SQL_PAYLOADS[0], name, target=1, due=last + dt.timedelta(weeks=9),
                                who=WHO)  # fmt: skip
    names = {r["name"] for r in org.teams(con)}
    assert names == set(SQL_PAYLOADS)
    assert counts(con)["metric_values"] == 3 * len(SQL_PAYLOADS)
    assert db.scalar(con, "SELECT file_name FROM imports") == "x'; DROP TABLE imports; --.csv"


# --- critical-bug rules: compiled to parameters ------------------------------------------


def test_rule_values_become_parameters_and_match_only_themselves(con):
    rule = {"any": [{"field": "labels", "has_any": list(SQL_PAYLOADS)},
                    {"field": "priority", "in": list(SQL_PAYLOADS)},
                    {"not": {"field": "status", "not_in": list(SQL_PAYLOADS)}}]}  # fmt: skip
    sql, params = rules.to_sql(rule, table="b")
    for name in SQL_PAYLOADS:
        assert name not in sql or name in ("_", "\\")  # column names contain "_"
    assert "DROP" not in sql and "DELETE" not in sql and "/*" not in sql
    assert params == [rules.fold(v) for v in SQL_PAYLOADS] * 3
    con.execute(
        "CREATE TEMP TABLE b (id INTEGER, labels VARCHAR[], priority VARCHAR, status VARCHAR)"
    )
    con.executemany("INSERT INTO b VALUES (?, ?, ?, ?)",
                    [[i, [v], "Low", "Open"] for i, v in enumerate(SQL_PAYLOADS)]
                    + [[100, ["plain"], "Low", "Open"], [101, ["x"], "Low", "Open"]])  # fmt: skip
    for i, name in enumerate(SQL_PAYLOADS):
        one, one_params = rules.to_sql({"field": "labels", "has_any": [name]}, table="b")
        hits = con.execute(f"SELECT id FROM b WHERE {one} ORDER BY id", one_params).fetchall()
        assert hits == [(i,)], name  # "%" and "_" are not wildcards
    assert "DROP TABLE" in rules.explain(rule)  # shown as written, in words


def test_definitions_mappings_presets_settings_and_audit_take_payloads(con):
    _teams_in_their_own_areas(con)
    owner = SQL_PAYLOADS[0]
    # Headers named with payloads (labels and components are lists split at ";" and ",",
    # so the payloads go to the fields that keep a cell whole).
    header = ["Key", *SQL_PAYLOADS[:4], "Created"]
    mapping = {"key": "Key", "type": SQL_PAYLOADS[0], "priority": SQL_PAYLOADS[1],
               "severity": SQL_PAYLOADS[2], "status": SQL_PAYLOADS[3], "created": "Created"}  # fmt: skip
    for name in SQL_PAYLOADS:  # presets named with payloads, mapping payload headers
        assert save_mapping(con, name, mapping, who=WHO) == mapping
        assert load_mapping(con, name) == mapping
    # Statuses that mean done, and issue types that count as bugs, go into the import's SQL.
    listed = ", ".join(SQL_PAYLOADS)  # none has a comma
    settings_core.update(con, {"done_statuses": listed, "bug_types": listed}, who=WHO)
    bug_rows = [header]
    for i, name in enumerate(SQL_PAYLOADS, 1):
        bug_rows.append([f"HX-{i}", name, name, name, name, f"2025-01-{i:02d} 10:00"])
    result = import_bugs(con, csv_bytes(bug_rows), file_name=f"{owner}.csv", who=WHO,
                         format="csv", mapping=SQL_PAYLOADS[5])  # fmt: skip
    assert result.added == len(SQL_PAYLOADS)
    stored = {k: rest for k, *rest in con.execute(
        "SELECT key, type, priority, severity, status FROM bugs").fetchall()}  # fmt: skip
    for i, name in enumerate(SQL_PAYLOADS, 1):
        assert stored[f"HX-{i}"] == [name] * 4

    # A skipped row's reason names its column: a payload header, quoted into the SQL.
    odd = {"key": "Key", "created": SQL_PAYLOADS[0]}
    skipped = import_bugs(con, csv_bytes([["Key", SQL_PAYLOADS[0]], ["HX-900", "2025-01-01"],
                                          ["HX-901", "not a date"]]),
                          file_name="skip.csv", who=WHO, format="csv", mapping=odd,
                          skip_bad_rows=True)  # fmt: skip
    assert (skipped.added, skipped.skipped_count) == (1, 1)
    assert f"column {SQL_PAYLOADS[0]}" in str(skipped.skipped[0])
    con.execute("DELETE FROM bugs WHERE key = 'HX-900'")

    for name in SQL_PAYLOADS:
        said = ownership.set_mapping(con, "component", name, owner, who=WHO)
        assert f"now belongs to {owner}." in said
    assert sorted(m["value"] for m in ownership.mappings(con)) == sorted(SQL_PAYLOADS)
    with pytest.raises(DdqError):
        ownership.set_mapping(con, SQL_PAYLOADS[0], "x", owner, who=WHO)

    version = critical.create_draft(
        con, title=SQL_PAYLOADS[0], rationale=SQL_PAYLOADS[2], examples=SQL_PAYLOADS[5],
        rule={"any": [{"field": "severity", "in": ["%"]}, {"field": "priority", "in": ["_"]}]},
        who=WHO,
    )  # fmt: skip
    found = critical.get(con, version)
    assert [found[k] for k in ("title", "rationale", "examples")] == [
        SQL_PAYLOADS[0], SQL_PAYLOADS[2], SQL_PAYLOADS[5]
    ]  # fmt: skip
    impact = critical.impact(con, version)
    # Only the bugs of severity "%" or priority "_" become critical, not every bug.
    assert sorted(b["key"] for b in impact["changed"]) == sorted(
        f"HX-{SQL_PAYLOADS.index(v) + 1}" for v in ("%", "_")
    )
    for bad in ('{"any": [{"field": "x\'; DROP TABLE bugs; --", "in": ["a"]}]}',
                "x'; DROP TABLE critical_defs; --", '{"field": "labels", "has_any": "%"}'):  # fmt: skip
        with pytest.raises(DdqError):
            critical.create_draft(con, title="bad", rule=bad, who=WHO)

    with pytest.raises(DdqError):
        settings_core.update(con, {SQL_PAYLOADS[0]: "x"}, who=WHO)
    for name in SQL_PAYLOADS:
        assert settings_core.update(con, {"program_name": name}, who=WHO)["program_name"] == name

    before = counts(con)["audit_log"]
    for name in SQL_PAYLOADS:
        entries = audit.entries(con, subject=name)
        assert entries and {e["subject"] for e in entries} == {name}
    assert audit.entries(con, subject="x' OR '1'='1") == []
    assert counts(con)["audit_log"] == before
    assert counts(con)["bugs"] == len(SQL_PAYLOADS)
    # The payload teams, and Unassigned for the bugs no mapping gives a team.
    assert counts(con)["teams"] == len(SQL_PAYLOADS) + 1


def test_meetings_take_payload_scopes_notes_and_actions(con):
    _teams_in_their_own_areas(con)
    day = today_utc()
    for i, name in enumerate(SQL_PAYLOADS):
        roster.assign_champion(con, name, name, f"@c{i}", dt.date(2025, 1, 6), who=WHO)
        meeting_id = meeting.create_meeting(con, held_on=day, areas=[name], title=name, who=WHO)
        meeting.set_note(con, meeting_id, name, "doing", name, who=WHO)
        meeting.add_action(con, team=name, text=name, owner=name, due=day, meeting_id=meeting_id,
                           who=WHO)  # fmt: skip
        view = meeting.team_view(con, meeting_id, name)
        assert (view["team"], view["champion"], view["notes"]["doing"]) == (name, name, name)
        assert [(a["text"], a["owner"]) for a in view["open_actions"]] == [(name, name)]
        assert meeting.get_meeting(con, meeting_id)["scope_areas"] == [name]
    with pytest.raises(NotFound):
        meeting.create_meeting(con, held_on=day, areas=["x' OR '1'='1"], who=WHO)
    assert counts(con)["meetings"] == len(SQL_PAYLOADS)


# --- the command's arguments --------------------------------------------------------------


def test_command_arguments_with_payloads_are_refused_clearly_or_stored(make_db, run_ddq, tmp_path):
    path = make_db()
    with db.connect(path) as connection:
        _teams_in_their_own_areas(connection)
        before = counts(connection)
    team = SQL_PAYLOADS[0]
    target = ("--target", "1", "--due", "2099-01-05")
    draft_rule = json.dumps({"field": "labels", "has_any": [EVERYTHING]})
    runs = {
        "map": run_ddq("teams", "map", "component", EVERYTHING, team),
        "mappings show": run_ddq("mappings", "show", EVERYTHING),
        "target team": run_ddq("target", "set", EVERYTHING, "open_bugs", *target),
        "target metric": run_ddq("target", "set", team, EVERYTHING, *target),
        "target area": run_ddq("target", "area", EVERYTHING, "open_bugs", *target),
        "target list": run_ddq("target", "list", "--team", EVERYTHING),
        "progress": run_ddq("progress", "--area", EVERYTHING),
        "meeting": run_ddq("meeting", "start", "--area", EVERYTHING),
        "draft": run_ddq("critical", "draft", "--title", EVERYTHING, "--rule", draft_rule),
    }
    for what, result in runs.items():
        assert result.returncode in (0, 1), (what, result.stderr)
        assert "Traceback" not in result.stderr, what
        if result.returncode:
            assert result.stderr.strip(), what
    assert runs["map"].returncode == 0 and runs["draft"].returncode == 0
    for refused in ("mappings show", "target team", "target metric", "target area", "meeting"):
        assert runs[refused].returncode == 1, refused
    # A file name with a quote in it is written, not run.
    odd = tmp_path / "it's; DROP TABLE teams; --.csv"
    assert run_ddq("export", "metrics", "--out", odd).returncode == 0
    assert odd.read_text(encoding="utf-8").count("\n") == 1 + before["metric_values"]
    with db.connect(path) as connection:
        after = counts(connection)
        assert connection.execute("SELECT value FROM team_mappings").fetchall() == [(EVERYTHING,)]
        rule = json.loads(db.scalar(connection, "SELECT rule FROM critical_defs"))
    assert rule == {"field": "labels", "has_any": [EVERYTHING]}
    changed = {k for k in after if after[k] != before[k]}
    # edit_claims: the mapping claimed its component (ddq.db.claim), as every edit does.
    assert changed <= {"team_mappings", "critical_defs", "audit_log", "edit_claims"}
    assert set(after) == set(before)


def test_tables_offer_no_csv_download_of_their_own():
    """A table's own download writes cells as they are; ddq's download buttons are safe."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
