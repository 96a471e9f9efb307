"""The sample's critical-bug definitions: one in force, one proposed with teams taking stances."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from ddq import critical, db
from ddq.access import Actor
from ddq.sample.organisation import Org

if TYPE_CHECKING:
    import duckdb


def _add_definitions(
    con: duckdb.DuckDBPyConnection, org: Org, week_dates: np.ndarray, who: Actor
) -> None:
    """Definition v1 in force from the first week; v2, which adds security and data-loss
    bugs, proposed, with teams agreeing, disagreeing, abstaining and not yet answering."""

    if db.scalar(con, "SELECT count(*) FROM critical_defs"):
        return  # a reloaded sample keeps the definitions the community already has
    first = week_dates[0].astype(dt.date)
    v1 = critical.create_draft(
        con, title="Blocker and critical priority", who=who, sla_days=14,
        rule={"field": "priority", "in": ["Blocker", "Critical"]},
        rationale="What the trackers already call critical: a start everybody can agree on.",
        examples="Critical: checkout crashes for every user. Not critical: a typo in a label.",
    )  # fmt: skip
    critical.propose(con, v1, who=who)
    critical.adopt(con, v1, effective_from=first, who=who)
    v2 = critical.create_draft(
        con, title="Also security and data-loss bugs", who=who, sla_days=14, based_on=v1,
        rule={"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                      {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                               {"field": "type", "in": ["Bug"]}]}]},
        rationale="A security hole or lost data hurts customers whatever priority it was filed "
        "with.",
        examples="Critical: a minor-priority bug labelled data-loss. Not critical: a security "
        "improvement request.",
    )  # fmt: skip
    critical.propose(con, v2, who=who)
    champions = [t for t in critical.stances(con, v2) if t["champion"]]
    answers = [("agree", ""), ("disagree", "Labels are applied inconsistently in our tracker."),
               ("agree", ""), ("abstain", ""), ("agree", ""), (None, "")]  # fmt: skip
    for i, team in enumerate(champions):
        stance, comment = answers[i % len(answers)]
        if stance:
            critical.record_stance(con, v2, team=team["team"], stance=stance, comment=comment,
                                   who=who)  # fmt: skip
