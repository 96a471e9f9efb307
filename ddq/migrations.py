"""The numbered schema migrations, in order: each a named function that changes the schema.

A migration is never edited once it has shipped: a change to the schema is a new entry at
the end of :data:`MIGRATIONS`. :mod:`ddq.schema` applies them.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

# The metrics the first migration created, as they were when it shipped. Written out here
# rather than read from ddq.catalog: a migration never changes once shipped, while the
# catalog may change.
_FIRST_CATALOG: tuple[tuple[str, str, str, str, str], ...] = (
    ("open_bugs", "Open bugs", "count", "lower_is_better",
     "Bugs open at the end of the week."),
    ("open_critical_bugs", "Open critical bugs", "count", "lower_is_better",
     "Critical bugs (by the adopted definition) open at the end of the week."),
    ("new_critical_bugs", "New critical bugs", "count", "lower_is_better",
     "Critical bugs created during the week."),
    ("resolved_critical_bugs", "Resolved critical bugs", "count", "higher_is_better",
     "Critical bugs resolved during the week."),
    ("critical_bugs_past_sla", "Critical bugs past SLA", "count", "lower_is_better",
     "Open critical bugs older than the agreed time to resolve."),
    ("median_days_to_resolve_critical", "Median days to resolve critical", "days",
     "lower_is_better", "Median age, in days, of the critical bugs resolved that week."),
    ("escaped_defects", "Escaped defects", "count", "lower_is_better",
     "Defects found in production rather than before release."),
    ("test_pass_rate", "Test pass rate", "percent", "higher_is_better",
     "Share of automated test runs that passed, in percent."),
)  # fmt: skip


def _m001_foundation(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE SEQUENCE area_ids START 1;
        CREATE TABLE areas (
            id INTEGER PRIMARY KEY DEFAULT nextval('area_ids'),
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL UNIQUE,   -- lower(trim(name)): names match case-insensitively
            head VARCHAR,
            champions_channel VARCHAR,
            community_channel VARCHAR
        );
        CREATE SEQUENCE team_ids START 1;
        CREATE TABLE teams (
            id INTEGER PRIMARY KEY DEFAULT nextval('team_ids'),
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL UNIQUE,
            area_id INTEGER,
            active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
        );
        CREATE TABLE metric_defs (
            key VARCHAR PRIMARY KEY,
            label VARCHAR NOT NULL,
            unit VARCHAR NOT NULL,              -- count, percent, days, or a free-form unit
            direction VARCHAR NOT NULL CHECK (direction IN ('lower_is_better', 'higher_is_better')),
            description VARCHAR NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 1000
        );
        CREATE SEQUENCE import_ids START 1;
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY DEFAULT nextval('import_ids'),
            kind VARCHAR NOT NULL,              -- metrics, demo, ...
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR,
            who VARCHAR NOT NULL,
            imported_at TIMESTAMP NOT NULL,     -- UTC
            rows_read INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            teams_created INTEGER NOT NULL DEFAULT 0,
            status VARCHAR NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone')),
            undone_at TIMESTAMP,
            undone_by VARCHAR
        );
        -- The weekly fact table: one value per team, ISO week (its Monday) and metric.
        CREATE TABLE metric_values (
            team_id INTEGER NOT NULL,
            week DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            import_id INTEGER NOT NULL          -- the import that set the current value
            -- One value per (team_id, week, metric). Not a PRIMARY KEY: maintaining that index
            -- made a million-row import five times slower. The importers, the only writers,
            -- never insert a key twice, and `ddq check` verifies it.
        );
        -- What an import replaced, so that undo restores it exactly. Cells an import added
        -- are the ones that carry its id and have no row here.
        CREATE TABLE import_overwrites (
            import_id INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            week DATE NOT NULL,
            metric VARCHAR NOT NULL,
            old_value DOUBLE NOT NULL,
            old_import_id INTEGER NOT NULL
        );
        -- Teams an import created (with --create-teams); undo removes them again.
        CREATE TABLE import_created_teams (
            import_id INTEGER NOT NULL,
            team_id INTEGER NOT NULL
        );
    """)
    con.executemany(
        "INSERT INTO metric_defs (key, label, unit, direction, description, position) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(*row, position) for position, row in enumerate(_FIRST_CATALOG, start=1)],
    )


def _m002_events(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE SEQUENCE event_ids START 1;
        -- Things that happened, drawn as annotations on the trend charts. Any feature adds
        -- its own kind (imports now; definition changes and meeting notes later).
        CREATE TABLE events (
            id INTEGER PRIMARY KEY DEFAULT nextval('event_ids'),
            happened_at TIMESTAMP NOT NULL,     -- UTC
            week DATE NOT NULL,                 -- Monday of the ISO week it happened in
            kind VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            details VARCHAR NOT NULL DEFAULT '',
            team_id INTEGER,                    -- NULL: concerns the whole organisation
            area_id INTEGER,
            import_id INTEGER
        );
        INSERT INTO events (happened_at, week, kind, title, import_id)
        SELECT imported_at, date_trunc('week', imported_at)::DATE, 'import',
               'Import ' || id || ': ' || file_name, id
        FROM imports;
    """)


def _m003_roster(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        ALTER TABLE areas ADD COLUMN coaching_url VARCHAR;
        ALTER TABLE areas ADD COLUMN workshop_url VARCHAR;
        CREATE SEQUENCE champion_ids START 1;
        -- Champion terms. At most one open term (until IS NULL) per team: ddq.roster is the
        -- only writer and checks it in the same transaction; `ddq check` verifies it.
        CREATE TABLE champions (
            id INTEGER PRIMARY KEY DEFAULT nextval('champion_ids'),
            team_id INTEGER NOT NULL,
            person VARCHAR NOT NULL,
            contact VARCHAR NOT NULL,           -- an email address or a chat handle (@name)
            since DATE NOT NULL,
            until DATE,                         -- NULL: the current champion
            created_at TIMESTAMP NOT NULL,
            closed_at TIMESTAMP,
            import_id INTEGER                   -- the roster import that opened the term
        );
        -- What a roster import changed, in order, so that undo can reverse it exactly.
        CREATE TABLE roster_changes (
            import_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            kind VARCHAR NOT NULL,              -- area_created, team_created, team_moved,
                                                -- champion_opened, champion_closed
            area_id INTEGER,
            team_id INTEGER,
            champion_id INTEGER,
            old_area_id INTEGER
        );
        CREATE TABLE settings (
            key VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL
        );
        CREATE SEQUENCE audit_ids START 1;
        -- Every change, who made it and what it was before and after. Append only: no code
        -- updates or deletes these rows.
        CREATE TABLE audit_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
            happened_at TIMESTAMP NOT NULL,     -- UTC
            who VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,
            before VARCHAR,                     -- JSON
            after VARCHAR                       -- JSON
        );
        CREATE TABLE import_created_areas (
            import_id INTEGER NOT NULL,
            area_id INTEGER NOT NULL
        );
    """)


def _m004_roster_since(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- A roster import that moves a champion's start date records the old one here
        -- (change kind champion_since), so that undo puts it back.
        ALTER TABLE roster_changes ADD COLUMN old_since DATE;
    """)


def _m005_bugs_and_definitions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- Bugs from tracker exports. A bug is known by its tracker and key; a re-import
        -- updates it, keeping the row it replaced in bug_overwrites so undo restores it.
        CREATE TABLE bugs (
            tracker VARCHAR NOT NULL,           -- jira, github or csv
            key VARCHAR NOT NULL,               -- PROJ-123, owner/repo#45, ...
            project VARCHAR,                    -- Jira project key, GitHub repository
            type VARCHAR,
            status VARCHAR,
            priority VARCHAR,
            severity VARCHAR,
            labels VARCHAR[] NOT NULL DEFAULT [],
            components VARCHAR[] NOT NULL DEFAULT [],   -- in the order the export lists them
            created TIMESTAMP NOT NULL,         -- UTC
            resolved TIMESTAMP,                 -- UTC; NULL while open
            resolved_estimated BOOLEAN NOT NULL DEFAULT false,  -- taken from the last update
            updated TIMESTAMP,
            summary VARCHAR,
            description VARCHAR,
            team_name VARCHAR,                  -- a team column given by a CSV mapping
            import_id INTEGER NOT NULL
            -- One row per (tracker, key), kept by the importer and checked by `ddq check`
            -- (an index would slow a million-row import down several times).
        );
        CREATE TABLE bug_overwrites AS SELECT 0 AS overwritten_by, * FROM bugs WHERE false;
        -- Rows an import skipped (--skip-bad-rows), with why, so nothing vanishes unseen.
        CREATE TABLE import_skipped (
            import_id INTEGER NOT NULL,
            line BIGINT NOT NULL,
            reason VARCHAR NOT NULL
        );
        -- Named column mappings for bug CSVs from other trackers.
        CREATE TABLE csv_mappings (
            name VARCHAR PRIMARY KEY,
            mapping VARCHAR NOT NULL,           -- JSON: field -> header
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL
        );
        -- Which team owns a bug: its first mapped component, else its project, else a label.
        CREATE TABLE team_mappings (
            kind VARCHAR NOT NULL CHECK (kind IN ('component', 'project', 'label')),
            value VARCHAR NOT NULL,
            value_key VARCHAR NOT NULL,         -- lower(trim(value))
            team_id INTEGER NOT NULL,
            PRIMARY KEY (kind, value_key)
        );
        -- Critical-bug definitions. Adopted versions are never edited: a change is a new one.
        CREATE TABLE critical_defs (
            version INTEGER PRIMARY KEY,
            title VARCHAR NOT NULL,
            rationale VARCHAR NOT NULL DEFAULT '',
            examples VARCHAR NOT NULL DEFAULT '',
            rule VARCHAR NOT NULL,              -- JSON, see ddq.rules
            sla_days INTEGER,                   -- open longer than this: past the SLA
            status VARCHAR NOT NULL CHECK (status IN ('draft', 'proposed', 'adopted', 'retired')),
            effective_from DATE,
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            adopted_at TIMESTAMP,
            adopted_by VARCHAR,
            retired_at TIMESTAMP
        );
        -- Where each team's champion stands on a proposed definition.
        CREATE TABLE endorsements (
            version INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            champion VARCHAR NOT NULL,
            stance VARCHAR NOT NULL CHECK (stance IN ('agree', 'disagree', 'abstain')),
            comment VARCHAR NOT NULL DEFAULT '',
            recorded_at TIMESTAMP NOT NULL,
            PRIMARY KEY (version, team_id)
        );
        -- Values computed from bugs say under which definition.
        ALTER TABLE metric_values ADD COLUMN definition_version INTEGER;
        ALTER TABLE import_overwrites ADD COLUMN old_definition_version INTEGER;
    """)


def _m006_targets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- One target per team and metric: where it started (the baseline), where it should
        -- be and by when. ddq.progress is the only writer; every change is in the audit log.
        CREATE TABLE targets (
            team_id INTEGER NOT NULL,
            metric VARCHAR NOT NULL,
            baseline DOUBLE,                    -- NULL: computed when read, as the mean of
            baseline_from DATE,                 -- the weeks baseline_from to baseline_to, or
            baseline_to DATE,                   -- of the first 4 reported weeks when unset
            target DOUBLE NOT NULL,
            due DATE NOT NULL,
            set_at TIMESTAMP NOT NULL,          -- UTC
            set_by VARCHAR NOT NULL,
            PRIMARY KEY (team_id, metric)
        );
    """)


def _m007_meetings(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- The weekly community meetings. ddq.meeting is the only writer; every change is in
        -- the audit log. One meeting per date and scope (scope_key: the areas' name keys,
        -- sorted, as JSON; [] is the whole program).
        CREATE SEQUENCE meeting_ids START 1;
        CREATE TABLE meetings (
            id INTEGER PRIMARY KEY DEFAULT nextval('meeting_ids'),
            held_on DATE NOT NULL,
            title VARCHAR NOT NULL DEFAULT '',
            scope_areas VARCHAR[] NOT NULL DEFAULT [],  -- area names; empty: the whole program
            scope_key VARCHAR NOT NULL,
            agenda_order VARCHAR NOT NULL
                CHECK (agenda_order IN ('area', 'movers', 'status', 'rotation')),
            agenda INTEGER[] NOT NULL,          -- team ids, in the order they present
            current_position INTEGER,           -- 0-based index into agenda; NULL: not started
            leader_present BOOLEAN,             -- NULL: not marked yet
            leader_name VARCHAR,
            status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished')),
            created_at TIMESTAMP NOT NULL,      -- UTC
            created_by VARCHAR NOT NULL,
            finished_at TIMESTAMP,
            UNIQUE (held_on, scope_key)
        );
        -- Each agenda team's champion (as of the meeting) and whether they were there.
        CREATE TABLE attendance (
            meeting_id INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            champion VARCHAR,                   -- NULL: the team had no champion
            present BOOLEAN,                    -- NULL: not marked yet (finishing marks absent)
            PRIMARY KEY (meeting_id, team_id)
        );
        CREATE TABLE meeting_notes (
            meeting_id INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('doing', 'feedback_wanted', 'feedback_given')),
            text VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL,
            PRIMARY KEY (meeting_id, team_id, kind)
        );
        -- Action items stay open, carried from meeting to meeting, until done or dropped.
        -- raised_on and closed_on are days (the meeting's date when raised or closed in one)
        -- so that what was open as of a meeting can be told again later.
        CREATE SEQUENCE action_ids START 1;
        CREATE TABLE action_items (
            id INTEGER PRIMARY KEY DEFAULT nextval('action_ids'),
            team_id INTEGER NOT NULL,
            meeting_id INTEGER,                 -- where it was raised; NULL: between meetings
            text VARCHAR NOT NULL,
            owner VARCHAR NOT NULL,
            due DATE NOT NULL,
            status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
            raised_on DATE NOT NULL,
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            closed_on DATE,
            closed_at TIMESTAMP,
            closed_in_meeting INTEGER
        );
        -- The teams a meeting reached (the presenter view showed them).
        CREATE TABLE presented (
            meeting_id INTEGER NOT NULL,
            team_id INTEGER NOT NULL,
            presented_at TIMESTAMP NOT NULL,    -- UTC, the first time it was shown
            PRIMARY KEY (meeting_id, team_id)
        );
    """)


def _m008_roles(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- Roles of people who sign in with OpenID Connect, by lower-case email; anyone not
        -- here is a viewer (unless the app's configuration names them). ddq.access is the
        -- only writer, and every change is in the audit log.
        CREATE TABLE user_roles (
            email VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL CHECK (role IN ('editor', 'admin')),
            granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL       -- UTC
        );
        -- The role the person acted in, next to who they were.
        ALTER TABLE audit_log ADD COLUMN role VARCHAR;
    """)


def _m009_derived_bug_metrics(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(r"""
        -- kind 'unassigned': the one team that holds the bugs no mapping gives to a team, so
        -- that they count in the organisation's totals and show up to be mapped.
        ALTER TABLE teams ADD COLUMN kind VARCHAR DEFAULT 'team';
        UPDATE teams SET kind = 'team';
        -- A definition applied to history on purpose: from since_week on, weeks are computed
        -- under it unless a newer definition is in force. It holds while its import (kind
        -- bug_metrics_history) is applied; undoing that import takes the decision back.
        CREATE TABLE critical_history (
            import_id INTEGER PRIMARY KEY,
            version INTEGER NOT NULL,
            since_week DATE NOT NULL
        );
        -- Such decisions made before this table existed are told by their chart events.
        INSERT INTO critical_history (import_id, version, since_week)
        SELECT e.import_id,
               CAST(regexp_extract(e.title, 'definition v(\d+)$', 1) AS INTEGER),
               date_trunc('week', CAST(regexp_extract(e.title, '^History from (\S+) ', 1) AS DATE))
        FROM events e JOIN imports i ON i.id = e.import_id
        WHERE i.kind = 'bug_metrics_history' AND e.kind = 'definition'
          AND regexp_matches(e.title,
                             '^History from \d{4}-\d{2}-\d{2} recomputed under definition v\d+$');
    """)


def _m010_edit_claims(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- One row per record that two people can edit (a meeting note, an area, a team's
        -- champion terms...), rewritten with a fresh token by every change of the record
        -- (ddq.db.claim): two changes of one record at the same moment then write the same
        -- row, which the database refuses for the second, whatever rows each change itself
        -- writes. The token means nothing else.
        CREATE TABLE edit_claims (
            record VARCHAR PRIMARY KEY,
            token UUID NOT NULL
        );
    """)


def _m011_import_created_records(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- What an import created beyond its values, teams, areas, champion terms and bugs
        -- (which their own tables record): the sample organisation's meetings, notes,
        -- action items, definitions, stances, targets, mappings and events, so that undoing
        -- it removes exactly those. The key columns used depend on the kind:
        --   meeting, action, definition, event: id (a definition's version)
        --   note: id (the meeting), team_id, name (the note's kind)
        --   stance: id (the version), team_id
        --   target: team_id, name (the metric)
        --   mapping: team_id, name (component, project or label), detail (the value's key)
        CREATE TABLE import_created_records (
            import_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            id INTEGER,
            team_id INTEGER,
            name VARCHAR,
            detail VARCHAR
        );
        -- A sample loaded before this table existed: what it wrote in its own transaction
        -- (from its ledger row's time to its audit row's, or a few minutes when it has none),
        -- and every bug mapping to its teams (undo removed those with its teams already).
        INSERT INTO import_created_records (import_id, kind, id, team_id, name, detail)
        WITH samples AS (
            SELECT i.id AS import_id, i.imported_at AS since,
                   coalesce((SELECT max(a.happened_at) FROM audit_log a
                             WHERE a.action = 'demo.load' AND TRY_CAST(
                                 json_extract_string(a.after, '$.import_id') AS INTEGER) = i.id),
                            i.imported_at + INTERVAL 10 MINUTE) AS until
            FROM imports i WHERE i.kind = 'demo' AND i.status = 'applied'
        ),
        teams_of AS (
            SELECT s.import_id, c.team_id FROM samples s
            JOIN import_created_teams c ON c.import_id = s.import_id
        )
        SELECT s.import_id, 'meeting', m.id, NULL, NULL, NULL FROM samples s
        JOIN meetings m ON m.created_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT s.import_id, 'note', n.meeting_id, n.team_id, n.kind, NULL FROM samples s
        JOIN meeting_notes n ON n.updated_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT s.import_id, 'action', a.id, a.team_id, NULL, NULL FROM samples s
        JOIN action_items a ON a.created_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT s.import_id, 'definition', d.version, NULL, NULL, NULL FROM samples s
        JOIN critical_defs d ON d.created_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT s.import_id, 'stance', e.version, e.team_id, NULL, NULL FROM samples s
        JOIN endorsements e ON e.recorded_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT s.import_id, 'target', NULL, g.team_id, g.metric, NULL FROM samples s
        JOIN teams_of t ON t.import_id = s.import_id
        JOIN targets g ON g.team_id = t.team_id AND g.set_at BETWEEN s.since AND s.until
        UNION ALL
        SELECT t.import_id, 'mapping', NULL, m.team_id, m.kind, m.value_key FROM teams_of t
        JOIN team_mappings m ON m.team_id = t.team_id;
    """)


def _m012_live_sources(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- Trackers read through their APIs (ddq.sources): never the secret, only its variable.
        CREATE TABLE sources (
            name VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- jira, github, gitlab or bugzilla
            url VARCHAR NOT NULL,               -- GitHub's API root; the others' site root
            options VARCHAR NOT NULL,           -- JSON: jql and jira_kind, repo, project, ...
            token_env VARCHAR,
            user_env VARCHAR,
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL
        );
        CREATE SEQUENCE source_syncs_id;
        -- Every sync of a source, good or failed. The next sync reads changes since the last
        -- good one's start while it stands (undoing its import takes it and later ones out).
        CREATE TABLE source_syncs (
            id INTEGER PRIMARY KEY DEFAULT nextval('source_syncs_id'),
            source VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,      -- UTC, before the first page was asked for
            finished_at TIMESTAMP NOT NULL,
            since TIMESTAMP,                    -- what it read from; NULL: everything
            full_read BOOLEAN NOT NULL,
            ok BOOLEAN NOT NULL,
            standing BOOLEAN NOT NULL DEFAULT true,
            import_id INTEGER,                  -- NULL when nothing changed, or it failed
            pages INTEGER NOT NULL DEFAULT 0,
            issues INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            vanished INTEGER NOT NULL DEFAULT 0,
            message VARCHAR NOT NULL,           -- what it did, or why it failed
            who VARCHAR NOT NULL
        );
        -- Which bugs each source delivered, and by which import first (for vanished ones).
        CREATE TABLE source_keys (
            source VARCHAR NOT NULL,
            tracker VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            import_id INTEGER NOT NULL
        );
        -- Bugs a full sync no longer found (deleted, or moved away): counted nowhere while
        -- cleared_by is NULL; a sync finding one clears it, and undo puts the mark back.
        CREATE TABLE bugs_vanished (
            tracker VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            import_id INTEGER NOT NULL,
            cleared_by INTEGER
        );
    """)


def _m013_slack(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- How ddq reaches Slack (ddq.slack): never the token, only its variable's name.
        CREATE TABLE slack_config (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            token_env VARCHAR NOT NULL,
            api_url VARCHAR NOT NULL,           -- https://slack.com/api, or a proxy's
            remind_days_before INTEGER NOT NULL DEFAULT 1,
            question_hours INTEGER NOT NULL DEFAULT 24,
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL
        );
        -- What ddq posted: posting it again updates that message (chat.update), never a new one.
        CREATE TABLE slack_posts (
            kind VARCHAR NOT NULL,              -- summary, digest, reminder, request
            subject VARCHAR NOT NULL,           -- which one: "meeting 12", "digest 2026-W10 Mobile"
            channel VARCHAR NOT NULL,           -- the channel's name as configured
            channel_id VARCHAR NOT NULL,
            ts VARCHAR NOT NULL,
            posted_at TIMESTAMP NOT NULL,       -- UTC, the first post
            updated_at TIMESTAMP NOT NULL,      -- UTC, the latest post or update
            posted_by VARCHAR NOT NULL,
            PRIMARY KEY (kind, subject, channel)
        );
        CREATE TABLE slack_optouts (           -- champions who want no reminder
            email_key VARCHAR PRIMARY KEY,
            opted_out_at TIMESTAMP NOT NULL,
            opted_out_by VARCHAR NOT NULL
        );
        CREATE SEQUENCE help_requests_id;
        -- Coaching and workshop requests to the program team, from new to scheduled to done.
        CREATE TABLE help_requests (
            id INTEGER PRIMARY KEY DEFAULT nextval('help_requests_id'),
            kind VARCHAR NOT NULL CHECK (kind IN ('coaching', 'workshop')),
            team_id INTEGER,
            topic VARCHAR NOT NULL,
            hopes VARCHAR,
            dates VARCHAR,
            status VARCHAR NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'scheduled', 'done')),
            requested_at TIMESTAMP NOT NULL,
            requested_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL
        );
    """)


Migration = Callable[["duckdb.DuckDBPyConnection"], None]

MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "foundation", _m001_foundation),
    (2, "events", _m002_events),
    (3, "roster", _m003_roster),
    (4, "roster since changes", _m004_roster_since),
    (5, "bugs and critical-bug definitions", _m005_bugs_and_definitions),
    (6, "targets", _m006_targets),
    (7, "meetings", _m007_meetings),
    (8, "roles", _m008_roles),
    (9, "bug metrics derived from their inputs", _m009_derived_bug_metrics),
    (10, "edit claims", _m010_edit_claims),
    (11, "records an import created", _m011_import_created_records),
    (12, "live sources", _m012_live_sources),
    (13, "slack", _m013_slack),
]
