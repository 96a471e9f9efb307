"""The sample's areas and teams: how many areas a number of teams makes, their names and heads,
and writing them as the sample's import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb


# A program with more areas than this is not one community any more; more teams go into
# bigger areas instead.
MAX_AREAS = 25

# Areas in the order they are used, each with the teams it holds first. Team names are
# unique across all areas; with more teams than names an area numbers them ("Checkout 2").
_AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Payments & Checkout", ("Checkout", "Fraud Detection", "Payment Gateway", "Billing",
                             "Refunds", "Invoicing", "Ledger", "Wallet")),
    ("Search & Discovery", ("Search Ranking", "Recommendations", "Catalog",
                            "Query Understanding", "Personalisation", "Browse")),
    ("Platform", ("Identity", "API Gateway", "Data Pipeline", "Observability",
                  "Build & Release", "Service Mesh")),
    ("Mobile", ("iOS App", "Android App", "Mobile Platform", "Push Notifications",
                "App Onboarding")),
    ("Growth", ("Onboarding", "Referrals", "Experimentation", "Lifecycle Messaging",
                "Pricing")),
    ("Logistics & Fulfilment", ("Warehouse", "Shipping", "Returns", "Inventory",
                                "Delivery Tracking")),
    ("Customer Care", ("Help Centre", "Support Tools", "Chatbot", "Case Routing")),
    ("Data & Insights", ("Data Warehouse", "Reporting", "Analytics Platform", "ML Ops")),
    ("Security & Trust", ("Access Management", "Trust & Safety", "Vulnerability Response",
                          "Compliance Automation")),
    ("Infrastructure", ("Compute", "Networking", "Storage", "Databases", "Cloud Cost")),
    ("Marketplace", ("Seller Tools", "Listings", "Reviews & Ratings", "Partner Integrations")),
    ("Accounts", ("Sign-in", "Profiles", "Permissions", "Account Recovery")),
    ("Content", ("Content Management", "Media Pipeline", "Localisation", "Editorial Tools")),
    ("Ads", ("Ad Serving", "Ad Auctions", "Campaign Manager", "Ad Measurement")),
    ("Messaging", ("Email Delivery", "Notifications", "In-App Messages", "SMS Gateway")),
    ("Web Experience", ("Web Storefront", "Design System", "Web Performance",
                        "Accessibility")),
    ("Enterprise", ("Admin Console", "SSO Integrations", "Audit Trail", "Enterprise Billing")),
    ("Finance Systems", ("Accounts Payable", "Tax Engine", "Revenue Recognition", "Payroll")),
    ("Subscriptions", ("Plans & Entitlements", "Renewals", "Trials", "Dunning")),
    ("Partner Ecosystem", ("Public API", "Webhooks", "App Marketplace", "Partner Portal")),
    ("Internal Tools", ("Back Office", "Feature Flags", "Config Service", "Admin Tools")),
    ("Maps & Location", ("Geocoding", "Routing Engine", "Map Tiles", "Places")),
    ("Video", ("Streaming", "Transcoding", "Player", "Live Events")),
    ("Quality Engineering", ("Test Infrastructure", "Device Lab", "Performance Testing",
                             "Release Quality")),
    ("Voice & Assistants", ("Speech Recognition", "Voice Commands", "Assistant Dialogue",
                            "Wake Word")),
)  # fmt: skip

# One head per area, in the same order; not ASCII only, as real rosters are not.
_HEADS: tuple[str, ...] = (
    "Priya Raman", "Jonas Becker", "Amara Okafor", "Mateo García", "Sofia Lindqvist",
    "Kenji Watanabe", "Leila Haddad", "Tom Gallagher", "Ana Ferreira", "Dmitri Volkov",
    "Grace Mensah", "Lukas Novák", "Mei Chen", "Omar Farouk", "Ingrid Solberg",
    "Rafael Costa", "Hannah Weiss", "Arjun Mehta", "Chloé Martin", "Samuel Adeyemi",
    "Yuki Tanaka", "Elena Petrova", "Daniel Cohen", "Fatima Zahra", "Nils Eriksson",
)  # fmt: skip


@dataclass(frozen=True)
class Org:
    """The areas and teams of a sample, in the order they are created."""

    area_names: list[str]
    area_heads: list[str]
    team_names: list[str]
    team_area: list[int]  # index into area_names


def area_count(teams: int) -> int:
    """About the square root of the team count: 16 teams make 4 areas of 4, 500 make 22."""
    return max(1, min(MAX_AREAS, round(math.sqrt(teams)), teams))


def plan_organisation(teams: int) -> Org:
    """The areas (about the square root of ``teams``) and team names of a sample."""
    n_areas = area_count(teams)
    area_names = [name for name, _ in _AREAS[:n_areas]]
    area_heads = list(_HEADS[:n_areas])
    team_names: list[str] = []
    team_area: list[int] = []
    for area in range(n_areas):
        pool = _AREAS[area][1]
        size = teams // n_areas + (1 if area < teams % n_areas else 0)
        for k in range(size):
            base = pool[k % len(pool)]
            team_names.append(base if k < len(pool) else f"{base} {k // len(pool) + 1}")
            team_area.append(area)
    return Org(area_names, area_heads, team_names, team_area)


def insert_org(con: duckdb.DuckDBPyConnection, org: Org, import_id: int) -> tuple[list[int], int]:
    """Create the areas (reusing any of the same name) and teams; return the team ids."""
    areas = pa.table(
        {
            "name": org.area_names,
            "name_key": [name_key(n) for n in org.area_names],
            "head": org.area_heads,
            "position": list(range(len(org.area_names))),
        }
    )
    con.register("_ddq_sample_areas", areas)
    created_before = {k for (k,) in con.execute("SELECT name_key FROM areas").fetchall()}
    try:
        con.execute("""
            INSERT INTO areas (name, name_key, head)
            SELECT name, name_key, head FROM _ddq_sample_areas
            WHERE name_key NOT IN (SELECT name_key FROM areas)
            ORDER BY position
        """)
        found = con.execute("""
            SELECT s.position, a.id, a.name_key FROM _ddq_sample_areas s
            JOIN areas a USING (name_key)
        """).fetchall()
        area_ids = {position: area_id for position, area_id, _ in found}
        created = [(import_id, area_id) for _, area_id, key in found if key not in created_before]
        if created:  # a reloaded sample reuses the areas it left behind
            con.executemany(
                "INSERT INTO import_created_areas (import_id, area_id) VALUES (?, ?)", created
            )
        con.executemany(
            "UPDATE areas SET champions_channel = ?, community_channel = ? WHERE id = ?",
            [(_channel(org.area_names[p], "champions"), _channel(org.area_names[p], "quality"),
              area_id) for p, area_id, _ in found],
        )  # fmt: skip
    finally:
        con.unregister("_ddq_sample_areas")

    keys = [name_key(n) for n in org.team_names]
    teams = pa.table(
        {
            "name": org.team_names,
            "name_key": keys,
            "area_id": pa.array([area_ids[a] for a in org.team_area], type=pa.int32()),
            "position": list(range(len(org.team_names))),
        }
    )
    con.register("_ddq_sample_teams", teams)
    try:
        # Ids follow the order of the teams, so the same sample always gets the same ids.
        con.execute("""
            INSERT INTO teams (name, name_key, area_id)
            SELECT name, name_key, area_id FROM _ddq_sample_teams ORDER BY position
        """)
        con.execute(
            """
            INSERT INTO import_created_teams (import_id, team_id)
            SELECT ?, t.id FROM teams t JOIN _ddq_sample_teams s USING (name_key)
            """,
            [import_id],
        )
        found = con.execute("""
            SELECT t.name_key, t.id FROM teams t JOIN _ddq_sample_teams s USING (name_key)
        """).fetchall()
        by_key = dict(found)
    finally:
        con.unregister("_ddq_sample_teams")
    return [by_key[k] for k in keys], len(area_ids)


def _channel(area: str, suffix: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in area.lower()).split()
    return "#" + "-".join([*words[:2], suffix])
