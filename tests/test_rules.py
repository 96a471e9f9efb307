"""The critical-bug rule: Python and DuckDB agree on hand-made bugs; validation, parsing,
explanations and diffs read as written here."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from ddq import rules
from ddq.errors import DdqError
from ddq.rules import InvalidRule

EXAMPLE = {
    "any": [
        {"field": "priority", "in": ["Blocker", "Critical"]},
        {
            "all": [
                {"field": "labels", "has_any": ["security", "data-loss"]},
                {"field": "type", "in": ["Bug"]},
            ]
        },
    ]
}

INJECTIONS = [
    "'; DROP TABLE bugs; --",
    "x' OR '1'='1",
    "Critical' --",
    '" OR ""="',
    "/* comment */",
    "-- comment",
    "?",
    "$1",
    "\\'",
    "); DELETE FROM bugs; SELECT (",
]

# Hand-made bugs: NULLs, blanks, empty lists, NULL list elements, case and whitespace
# variants (tab, newline, no-break space), letters whose lower case differs between
# Python and DuckDB, and values that look like SQL.
BUGS: list[dict[str, Any]] = [
    dict(id=1, severity="S1", priority="Critical", type="Bug", status="Open",
         labels=["security"], components=["Payments"]),
    dict(id=2, severity=None, priority="  critical\t", type="bug", status="open ",
         labels=["Security ", "ui"], components=[]),
    dict(id=3, severity="", priority=None, type=None, status=None,
         labels=None, components=None),
    dict(id=4, severity="s2", priority="CRITICAL", type="Story", status="Closed",
         labels=[], components=["payments", "Checkout"]),
    dict(id=5, severity="S3", priority="Major", type="Bug", status="Done",
         labels=["data-loss", None, "  "], components=None),
    dict(id=6, severity="S1", priority="\u00a0Blocker\u00a0", type="Incident",
         status="In Progress", labels=["DATA-LOSS", "Security"], components=["Checkout"]),
    dict(id=7, severity="  ", priority="   ", type=" ", status="\n",
         labels=["", " "], components=[" "]),
    dict(id=8, severity="S4", priority="Minor", type="Task", status="Won't Fix",
         labels=["x' OR '1'='1"], components=["'; DROP TABLE bugs; --"]),
    dict(id=9, severity="S2", priority="Trivial", type="Bug", status="Open",
         labels=["İPTAL", "ΣΑΣ"], components=["Ödeme"]),
]  # fmt: skip
ALL_IDS = [b["id"] for b in BUGS]
COLUMNS = ("severity", "priority", "type", "status", "labels", "components")


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE bugs (id INTEGER, severity VARCHAR, priority VARCHAR, type VARCHAR, "
        "status VARCHAR, labels VARCHAR[], components VARCHAR[])"
    )
    connection.executemany(
        "INSERT INTO bugs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[b["id"], *(b[c] for c in COLUMNS)] for b in BUGS],
    )
    yield connection
    connection.close()


def sql_ids(con: duckdb.DuckDBPyConnection, rule: dict[str, Any]) -> list[int]:
    where, params = rules.to_sql(rule)
    found = con.execute(f"SELECT id FROM bugs WHERE {where} ORDER BY id", params).fetchall()
    return [row[0] for row in found]


def py_ids(rule: dict[str, Any]) -> list[int]:
    test = rules.matcher(rule)
    return [b["id"] for b in BUGS if test(b)]


def both(con: duckdb.DuckDBPyConnection, rule: dict[str, Any]) -> list[int]:
    """The bugs the rule selects, after checking that Python and SQL agree on each."""
    in_python, in_sql = py_ids(rule), sql_ids(con, rule)
    assert in_python == in_sql, f"Python {in_python} != SQL {in_sql} for {rule}"
    return in_python


def leaf(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, op: value}


OPERATOR_CASES = [
    # in: case, surrounding whitespace (tab, no-break space) and the rule's own spacing
    (leaf("priority", "in", ["critical"]), [1, 2, 4]),
    (leaf("priority", "in", ["  CRITICAL "]), [1, 2, 4]),
    (leaf("priority", "in", ["Blocker", "Critical"]), [1, 2, 4, 6]),
    (leaf("type", "in", ["bug"]), [1, 2, 5, 9]),
    # not_in: missing and blank values match
    (leaf("priority", "not_in", ["Critical"]), [3, 5, 6, 7, 8, 9]),
    (leaf("status", "not_in", ["Closed", "Done", "Won't Fix"]), [1, 2, 3, 6, 7, 9]),
    # is_empty: NULL and blank alike
    (leaf("severity", "is_empty", True), [2, 3, 7]),
    (leaf("severity", "is_empty", False), [1, 4, 5, 6, 8, 9]),
    (leaf("priority", "is_empty", True), [3, 7]),
    (leaf("labels", "is_empty", True), [3, 4, 7]),
    (leaf("labels", "is_empty", False), [1, 2, 5, 6, 8, 9]),
    (leaf("components", "is_empty", True), [2, 3, 5, 7]),
    # has_any / has_none / has_all: NULL lists, empty lists, NULL and blank elements
    (leaf("labels", "has_any", ["security"]), [1, 2, 6]),
    (leaf("labels", "has_any", ["Data-Loss", "UI"]), [2, 5, 6]),
    (leaf("labels", "has_none", ["security"]), [3, 4, 5, 7, 8, 9]),
    (leaf("labels", "has_all", ["security", "data-loss"]), [6]),
    (leaf("labels", "has_all", ["SECURITY"]), [1, 2, 6]),
    (leaf("components", "has_any", ["payments"]), [1, 4]),
    (leaf("components", "has_none", ["checkout"]), [1, 2, 3, 5, 7, 8, 9]),
    # letters whose lower case Python and DuckDB would otherwise disagree on
    (leaf("labels", "has_any", ["iptal"]), [9]),
    (leaf("labels", "has_any", ["ΣΑΣ"]), [9]),
    (leaf("components", "has_any", ["ÖDEME"]), [9]),
    # combinators
    ({"all": [leaf("priority", "in", ["critical"]), leaf("type", "in", ["bug"])]}, [1, 2]),
    ({"any": [leaf("priority", "in", ["blocker"]), leaf("labels", "has_any", ["data-loss"])]},
     [5, 6]),
    ({"not": leaf("priority", "in", ["critical"])}, [3, 5, 6, 7, 8, 9]),
    ({"not": {"all": [leaf("priority", "in", ["critical"]), leaf("type", "in", ["bug"])]}},
     [3, 4, 5, 6, 7, 8, 9]),
    ({"not": {"not": leaf("labels", "has_none", ["security"])}}, [3, 4, 5, 7, 8, 9]),
    ({"any": [leaf("priority", "in", ["Blocker"])]}, [6]),
    (EXAMPLE, [1, 2, 4, 5, 6]),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "expected"), OPERATOR_CASES)
def test_python_and_sql_agree_on_every_bug(con, rule, expected):
    assert both(con, rule) == expected
    # Every condition is true or false, never NULL, so negating it selects the rest.
    assert both(con, {"not": rule}) == [i for i in ALL_IDS if i not in expected]


def test_matches_is_the_one_off_form_and_takes_other_shapes_of_bug():
    assert rules.matches(EXAMPLE, {"priority": "blocker"})
    assert not rules.matches(EXAMPLE, {})  # missing keys are missing values
    assert rules.matches(EXAMPLE, {"type": "Bug", "labels": ("Security",)})
    assert rules.matches(EXAMPLE, {"type": "Bug", "labels": "security"})  # one label
    assert rules.matches(leaf("priority", "is_empty", True), {"priority": float("nan")})


def random_rule(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    vocabulary = [
        "critical", "Blocker", "bug", "open", "security", "data-loss", "payments",
        "checkout", "s1", "S2", "ui", "Done", "iptal", "x' OR '1'='1", *INJECTIONS[:2],
    ]  # fmt: skip
    if depth < 3 and rng.random() < 0.45:
        kind = rng.choice(["all", "any", "not"])
        if kind == "not":
            return {"not": random_rule(rng, depth + 1)}
        return {kind: [random_rule(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    field = rng.choice(rules.FIELDS)
    ops = rules.SCALAR_OPS if field in rules.SCALAR_FIELDS else rules.LIST_OPS
    op = rng.choice([*ops, rules.EMPTY_OP])
    if op == rules.EMPTY_OP:
        return leaf(field, op, rng.random() < 0.5)
    return leaf(field, op, rng.sample(vocabulary, rng.randint(1, 3)))


def test_python_and_sql_agree_on_random_rules(con):
    rng = random.Random(20260304)
    for _ in range(300):
        both(con, random_rule(rng))


# ------------------------------------------------------------------------------- SQL


def test_every_value_is_a_parameter_in_order():
    sql, params = rules.to_sql(EXAMPLE)
    assert params == ["blocker", "critical", "security", "data-loss", "bug"]
    assert sql.count("?") == len(params)
    for word in ("blocker", "critical", "security", "data-loss", "'bug'"):
        assert word not in sql.lower()
    # Lambdas use the syntax DuckDB 2.0 accepts (the arrow form is refused).
    assert "->" not in sql and "lambda" in sql


@pytest.mark.parametrize("value", INJECTIONS)
def test_sql_in_values_is_only_a_value(con, value):
    count_before = con.execute("SELECT count(*) FROM bugs").fetchone()
    for field, op in (("priority", "in"), ("labels", "has_any"), ("status", "not_in")):
        rule = leaf(field, op, [value])
        sql, params = rules.to_sql(rule)
        assert params == [value.lower()]
        assert sql == rules.to_sql(leaf(field, op, ["harmless"]))[0]  # text ignores values
        expected = ALL_IDS if op == "not_in" else []
        if value == "x' OR '1'='1" and field == "labels":
            expected = [8]  # a bug really has that label
        assert both(con, rule) == expected
    assert con.execute("SELECT count(*) FROM bugs").fetchone() == count_before


def test_columns_can_be_renamed_and_qualified(con):
    con.execute(
        "CREATE TEMP TABLE issues AS SELECT id, priority AS prio, labels AS tags, "
        "type AS kind FROM bugs"
    )
    sql, params = rules.to_sql(
        EXAMPLE, {"priority": "prio", "labels": "tags", "type": "kind"}, table="i"
    )
    assert '"i"."prio"' in sql
    found = con.execute(f"SELECT id FROM issues AS i WHERE {sql} ORDER BY id", params)
    assert [r[0] for r in found.fetchall()] == [1, 2, 4, 5, 6]
    sql, params = rules.to_sql(leaf("priority", "in", ["critical"]), {"priority": "i.prio"})
    assert sql.startswith('coalesce(lower(trim("i"."prio"')
    found = con.execute(f"SELECT id FROM issues AS i WHERE {sql} ORDER BY id", params)
    assert [r[0] for r in found.fetchall()] == [1, 2, 4]


def test_a_hostile_column_name_is_quoted_not_run(con):
    sql, params = rules.to_sql(
        leaf("priority", "in", ["x"]), {"priority": 'priority" IS NOT NULL OR "1'}
    )
    with pytest.raises(duckdb.BinderException):
        con.execute(f"SELECT id FROM bugs WHERE {sql}", params)
    with pytest.raises(ValueError, match="unknown fields"):
        rules.to_sql(EXAMPLE, {"prio": "priority"})


def test_an_invalid_rule_is_never_compiled_or_evaluated():
    bad = leaf("prio", "in", ["x"])
    for call in (
        lambda: rules.to_sql(bad),
        lambda: rules.matches(bad, {}),
        lambda: rules.explain(bad),
        lambda: rules.diff_words(bad, EXAMPLE),
    ):
        with pytest.raises(InvalidRule):
            call()


# ------------------------------------------------------------------------ validation

FIELDS_LIST = "severity, priority, type, status, labels, components"


def test_a_valid_rule_has_no_problems():
    assert rules.validate(EXAMPLE) == []


def test_problems_name_their_path():
    rule = {
        "any": [
            {"field": "priority", "in": ["Critical"]},
            {"all": [{"field": "prio", "in": ["a"]}, {"field": "labels", "has_any": []}]},
            {"field": "status", "equals": ["Open"]},
            {"not": {"field": "type", "in": "Bug"}},
            {"field": "labels", "has_any": ["ok", 3, "  "]},
        ]
    }
    assert rules.validate(rule) == [
        f"any[1].all[0]: unknown field 'prio'; fields: {FIELDS_LIST} (did you mean 'priority'?)",
        "any[1].all[1].has_any: empty list; give at least one name",
        "any[2]: unknown operator 'equals'; operators: in, not_in, is_empty",
        'any[3].not.in: expected a list of names such as ["Critical"], got text "Bug"',
        "any[4].has_any[1]: expected text, got a number 3",
        "any[4].has_any[2]: blank name; use is_empty to match missing values",
    ]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ([EXAMPLE], "rule: expected a condition such as"),
        ({}, "rule: empty object; expected a condition or all/any/not"),
        ({"all": []}, "all: empty list; give at least one condition"),
        ({"any": {"field": "type"}}, "any: expected a list of conditions, got an object"),
        ({"all": [EXAMPLE], "any": [EXAMPLE]}, "rule: has both 'all' and 'any'"),
        ({"field": "type", "any": [EXAMPLE]}, "rule: mixes 'field' with 'any'"),
        ({"any": [EXAMPLE], "note": "x"}, "rule: unexpected key 'note' next to 'any'"),
        ({"fields": "type"}, "rule: unknown key 'fields'"),
        ({"field": "type"}, "rule: the condition has no operator; add one of in, not_in"),
        ({"field": 7, "in": ["x"]}, "rule: 'field' must be text, got a number 7"),
        (
            {"field": "priority", "has_any": ["x"]},
            "rule: 'has_any' does not apply to priority (a bug has one priority; "
            "use in, not_in, is_empty)",
        ),
        (
            {"field": "labels", "in": ["x"]},
            "rule: 'in' does not apply to labels (a bug has a list of labels; "
            "use has_any, has_none, has_all, is_empty)",
        ),
        ({"field": "type", "in": ["Bug"], "not_in": ["Task"]}, "rule: several operators"),
        ({"field": "priority", "is_empty": "yes"}, 'is_empty: expected true or false, got text "yes"'),
        ({"field": "priority", "is_empty": 1}, "is_empty: expected true or false, got a number 1"),
        ({"field": "priority", "in": [None]}, "in[0]: expected text, got null"),
        ({"field": "priority", "in": ["x" * 201]}, "in[0]: 201 characters; a name has at most 200"),
        ({"field": "priority", "in": ["x"] * 201}, "in: 201 names; at most 200 are allowed"),
    ],
)  # fmt: skip
def test_each_kind_of_problem(rule, problem):
    problems = rules.validate(rule)
    assert any(p.startswith(problem) for p in problems), problems


def nested_nots(levels: int) -> dict[str, Any]:
    rule: dict[str, Any] = leaf("type", "in", ["Bug"])
    for _ in range(levels):
        rule = {"not": rule}
    return rule


def test_depth_is_limited():
    assert rules.validate(nested_nots(rules.MAX_DEPTH - 1)) == []
    assert rules.validate(nested_nots(rules.MAX_DEPTH)) == [
        "not.not.not.not.not.not.not.not: nested more than 8 levels deep; "
        "combine conditions in fewer levels"
    ]
    assert rules.validate(nested_nots(10_000))  # no recursion error, just a problem


def test_the_number_of_conditions_is_limited():
    condition = leaf("type", "in", ["Bug"])
    assert rules.validate({"any": [condition] * rules.MAX_CONDITIONS}) == []
    assert rules.validate({"any": [condition] * (rules.MAX_CONDITIONS + 1)}) == [
        "rule: 101 conditions; at most 100 are allowed, so that people can still review "
        "the definition"
    ]


# ----------------------------------------------------------------------------- parse


def test_parse_returns_the_rule():
    assert rules.parse(json.dumps(EXAMPLE, indent=2)) == EXAMPLE


def test_parse_names_line_and_column_of_bad_json():
    text = '{\n  "field": "priority",\n  "in": ["Critical",]\n}'
    with pytest.raises(InvalidRule) as caught:
        rules.parse(text)
    said = (
        "line 3, column 21 (character 46): not valid JSON: expected a value here (text in "
        "double quotes, a number, a [list], an {object}, true, false or null); a comma just "
        "before ] or }, or a missing value, does this (found ']')."
    )
    assert caught.value.problems == [said]
    assert isinstance(caught.value, DdqError)
    assert str(caught.value) == f"The critical-bug rule is not valid:\n- {said}"


def test_json_cut_short_says_where_it_ends_and_what_to_do():
    text = '{"any": [{"field": "priority", "in": ["Blo'
    with pytest.raises(InvalidRule) as caught:
        rules.parse(text)
    assert caught.value.problems == [
        "line 1, column 39 (character 39): not valid JSON: the text in quotes that starts here "
        "never ends: add its closing double quote; the text ends at line 1, column 42 before "
        "the JSON does: if it is a file, it looks cut short, so export or download it again."
    ]


def test_parse_lists_every_problem_of_valid_json():
    with pytest.raises(InvalidRule) as caught:
        rules.parse('{"any": [{"field": "prio", "in": ["x"]}, {"field": "type", "in": []}]}')
    assert caught.value.problems == [
        f"any[0]: unknown field 'prio'; fields: {FIELDS_LIST} (did you mean 'priority'?)",
        "any[1].in: empty list; give at least one name",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "rule: the text is empty"),
        ("  \n ", "rule: the text is empty"),
        ("priority = Critical", "line 1, column 1 (character 1): not valid JSON: expected a"),
        ('{"field": "type", "in": ["Bug"], "in": ["Task"]}', "rule: the key 'in' appears twice"),
        ("[" * 100_000, "rule: nested far too deeply"),
        ("[" * 100_001, "rule: the text is 100001 characters; at most 100000 are read"),
        ("null", "rule: expected a condition such as"),
    ],
)
def test_parse_refuses(text, problem):
    with pytest.raises(InvalidRule) as caught:
        rules.parse(text)
    assert caught.value.problems[0].startswith(problem), caught.value.problems


# --------------------------------------------------------------------------- explain

EXPLANATIONS = [
    (
        EXAMPLE,
        "A bug is critical when its priority is Blocker or Critical, or when it has the "
        "label security or data-loss and its type is Bug.",
    ),
    (leaf("status", "not_in", ["Closed"]), "A bug is critical when its status is not Closed."),
    (
        {
            "all": [
                {"any": [leaf("priority", "in", ["Blocker"]), leaf("labels", "has_any", ["security"])]},
                leaf("type", "in", ["Bug"]),
            ]
        },
        "A bug is critical when its type is Bug and either its priority is Blocker or it has "
        "the label security.",
    ),
    (
        {"all": [leaf("labels", "has_none", ["wontfix", "duplicate"]), leaf("priority", "is_empty", True)]},
        "A bug is critical when it has none of the labels wontfix, duplicate and it has no "
        "priority.",
    ),
    (
        {"not": {"any": [leaf("status", "in", ["Closed", "Done"]), leaf("labels", "has_any", ["wontfix"])]}},
        "A bug is critical when its status is neither Closed nor Done and it does not have "
        "the label wontfix.",
    ),
    (
        {
            "any": [
                leaf("severity", "in", ["S1"]),
                {
                    "all": [
                        leaf("type", "in", ["Bug"]),
                        {
                            "any": [
                                leaf("components", "has_any", ["Payments"]),
                                {
                                    "all": [
                                        leaf("labels", "has_all", ["security", "customer"]),
                                        leaf("status", "not_in", ["Closed", "Done", "Won't Fix"]),
                                    ]
                                },
                            ]
                        },
                    ]
                },
            ]
        },
        "A bug is critical when its severity is S1, or when its type is Bug and either it "
        "has the component Payments or (it has both labels security and customer and its "
        "status is not Closed, Done or Won't Fix).",
    ),
    (
        {
            "all": [
                {"any": [leaf("priority", "in", ["P0"]), leaf("severity", "in", ["S1"])]},
                {"any": [leaf("type", "in", ["Bug"]), leaf("type", "is_empty", True)]},
            ]
        },
        "A bug is critical when either its priority is P0 or its severity is S1, and either "
        "its type is Bug or it has no type.",
    ),
    (
        {"all": [{"all": [leaf("priority", "in", ["P0", "P1", "P2"]), leaf("type", "is_empty", False)]},
                 leaf("components", "is_empty", False)]},
        "A bug is critical when its priority is P0, P1 or P2, it has a type and it has at "
        "least one component.",
    ),
    (
        {"not": leaf("labels", "has_all", ["a", "b"])},
        "A bug is critical when it does not have both labels a and b.",
    ),
    (
        leaf("components", "has_any", ["Billing, Invoices", "Search and Discovery", "Search"]),
        'A bug is critical when it has the component "Billing, Invoices", '
        '"Search and Discovery" or Search.',
    ),
    (
        leaf("priority", "in", ["Critical", " critical ", "CRITICAL"]),
        "A bug is critical when its priority is Critical.",
    ),
    (
        {"not": leaf("labels", "is_empty", True)},
        "A bug is critical when it has at least one label.",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "text"), EXPLANATIONS)
def test_explanations(rule, text):
    assert rules.explain(rule) == text
    assert rules.explain(copy.deepcopy(rule)) == text


# ------------------------------------------------------------------------------ diff


def test_no_change_when_only_case_order_or_spacing_differ():
    same = {
        "any": [
            {
                "all": [
                    {"field": "type", "in": ["bug "]},
                    {"field": "labels", "has_any": ["DATA-LOSS", "Security"]},
                ]
            },
            {"field": "priority", "in": ["critical", "blocker"]},
        ]
    }
    assert rules.diff_words(EXAMPLE, same) == []


def test_diff_names_changed_added_and_removed_conditions():
    new = {
        "any": [
            {"field": "priority", "in": ["Blocker", "Critical", "Major"]},
            {"field": "severity", "in": ["S1"]},
            {"field": "type", "in": ["Bug"]},
        ]
    }
    assert rules.diff_words(EXAMPLE, new) == [
        "Changed “its priority is Blocker or Critical” to “its priority is Blocker, "
        "Critical or Major” (adds Major).",
        "Removed the condition “it has the label security or data-loss”.",
        "Added the condition “its severity is S1”.",
    ]


def test_diff_names_values_added_and_dropped():
    old = leaf("status", "not_in", ["Closed", "Done"])
    new = leaf("status", "not_in", ["Closed", "Won't Fix"])
    assert rules.diff_words(old, new) == [
        "Changed “its status is neither Closed nor Done” to “its status is neither Closed "
        "nor Won't Fix” (adds Won't Fix; drops Done)."
    ]


def test_diff_names_a_change_of_combination():
    a, b = leaf("priority", "in", ["P0"]), leaf("severity", "in", ["S1"])
    c = leaf("type", "in", ["Bug"])
    assert rules.diff_words({"any": [a, b]}, {"all": [a, b]}) == [
        "Before, any one condition was enough; now a bug has to meet every one."
    ]
    assert rules.diff_words({"all": [a, b]}, {"any": [a, b, c]}) == [
        "Added the condition “its type is Bug”.",
        "Before, a bug had to meet every condition; now any one is enough.",
    ]
    assert rules.diff_words({"any": [a, {"all": [b, c]}]}, {"any": [{"all": [a, b]}, c]}) == [
        "The same conditions are combined differently: now critical when its priority is "
        "P0 and its severity is S1, or when its type is Bug."
    ]


# ------------------------------------------------------------------------ as a tree


@pytest.mark.parametrize(
    "rule",
    [
        EXAMPLE,
        {"field": "priority", "in": ["Blocker"]},
        {"not": {"field": "status", "in": ["Closed"]}},
        {"not": {"any": [{"field": "labels", "has_any": ["wontfix"]},
                         {"field": "components", "is_empty": True}]}},
        {"all": [{"field": "severity", "is_empty": False},
                 {"not": {"all": [{"field": "type", "not_in": ["Task"]},
                                  {"field": "labels", "has_all": ["a", "b"]}]}}]},
    ],
)  # fmt: skip
def test_a_rule_goes_to_a_tree_and_back_unchanged(rule):
    tree = rules.to_tree(rule)
    assert "group" in tree
    assert rules.from_tree(tree) == rule


def test_the_tree_reads_as_groups_of_field_operator_and_names():
    tree = rules.to_tree(EXAMPLE)
    assert tree == {"group": "any", "items": [
        {"field": "priority", "op": "in", "values": ["Blocker", "Critical"]},
        {"group": "all", "items": [
            {"field": "labels", "op": "has_any", "values": ["security", "data-loss"]},
            {"field": "type", "op": "in", "values": ["Bug"]},
        ]},
    ]}  # fmt: skip
    unfinished = {"group": "all", "items": [{"field": "status", "op": "in", "values": []}]}
    assert rules.validate(rules.from_tree(unfinished)) == ["in: empty list; give at least one name"]
    assert rules.operators_for("labels") == ("has_any", "has_none", "has_all", "is_empty",
                                             "is_not_empty")  # fmt: skip
    assert set(rules.OPERATOR_WORDS) == {*rules.OPERATORS, rules.NOT_EMPTY}
