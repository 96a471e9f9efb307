"""The README teaches the jobs: what the code accepts is what the README says, and its examples work.

Nothing in the README is generated; these tests fail when the code gains a rule operator, a
field, a column-mapping field or a setting that the README does not explain, and when one of
its example rules stops being valid.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ddq import rules, settings
from ddq.ingest import bugs

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text under a heading, up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.MULTILINE)
    assert match, f"the README has no section {title!r}"
    level = len(match[1])
    rest = README[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


RULE = section("The critical-bug rule")


def table_rows(text: str) -> dict[str, list[str]]:
    """A Markdown table's rows by their first cell (without its backticks)."""
    found = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            found[cells[0].strip("`")] = cells
    return found


@pytest.mark.parametrize("operator", rules.OPERATORS)
def test_every_operator_is_explained_with_an_example(operator):
    row = table_rows(RULE).get(operator)
    assert row, f"the README's rule section has no row for the operator {operator!r}"
    example = json.loads(row[-1].strip("`"))
    assert operator in example and rules.validate(example) == []


@pytest.mark.parametrize("combination", rules.COMBINATORS)
def test_every_combination_is_explained_with_an_example(combination):
    row = table_rows(RULE).get(combination)
    assert row, f"the README's rule section has no row for {combination!r}"
    example = json.loads(row[-1].strip("`"))
    assert combination in example and rules.validate(example) == []


@pytest.mark.parametrize("field", rules.FIELDS)
def test_every_rule_field_is_named(field):
    assert f"`{field}`" in RULE


def test_the_operators_fields_are_the_ones_the_code_allows():
    rows = table_rows(RULE)
    for operator in rules.OPERATORS:
        allowed = {f for f in rules.FIELDS if operator in rules.operators_for(f)}
        said = rows[operator][1]
        named = set(rules.FIELDS) if said == "every field" else set(said.split(", "))
        assert named == allowed, operator


def test_every_json_rule_in_the_section_is_valid():
    examples = re.findall(r"`(\{[^`]*\})`", RULE)
    assert len(examples) >= len(rules.OPERATORS) + len(rules.COMBINATORS)
    for text in examples:
        assert rules.validate(json.loads(text)) == [], text


@pytest.mark.parametrize("field", bugs.FIELDS)
def test_every_column_mapping_field_says_what_happens_without_it(field):
    row = table_rows(section("The column mapping")).get(field)
    assert row, f"the README's column mapping table has no row for {field!r}"
    expected = "required" if field in bugs.REQUIRED else None
    assert row[-1] and (expected is None or row[-1] == expected)


@pytest.mark.parametrize("key", [s.key for s in settings.SETTINGS])
def test_every_setting_is_in_the_settings_table(key):
    assert f"`{key}`" in section("Settings")


@pytest.mark.parametrize(
    "command",
    ["ddq teams map --file", "ddq settings get", "ddq settings set", "ddq imports show ID",
     "--create-teams", "--skip-bad-rows"],
)  # fmt: skip
def test_the_bug_journey_commands_are_documented(command):
    assert command in README
