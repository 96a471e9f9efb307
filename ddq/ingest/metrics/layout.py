"""Which layout a metrics file has: long (team,week,metric,value) or wide (one column per
metric), read from its header."""

from __future__ import annotations

from dataclasses import dataclass, field

from ddq.ingest.problems import ImportRejected, Problem
from ddq.metrics import MetricDef, fold_name

LONG = "long"
WIDE = "wide"


@dataclass
class Layout:
    format: str
    team_col: str
    week_col: str
    metric_col: str | None = None
    value_col: str | None = None
    # wide: (staged column, header name, metric key, unit)
    metric_cols: list[tuple[str, str, str, str]] = field(default_factory=list)
    header_names: dict[str, str] = field(default_factory=dict)  # staged column -> header name


def layout_of(
    header: list[str], columns: list[str], metrics: dict[str, MetricDef], file_name: str
) -> Layout:
    problems: list[Problem] = []
    folded: dict[str, str] = {}
    names = dict(zip(columns, header, strict=True))
    for column, name in names.items():
        key = fold_name(name)
        if not key:
            problems.append(
                Problem(
                    1,
                    f"{columns.index(column) + 1}",
                    name,
                    "the header has an empty column name; name it or delete the column",
                )
            )
        elif key in folded:
            problems.append(
                Problem(
                    1,
                    name,
                    None,
                    f"appears twice in the header (also as {names[folded[key]]!r}); keep one",
                )
            )
        else:
            folded[key] = column
    missing = [c for c in ("team", "week") if c not in folded]
    if missing:
        problems.append(
            Problem(
                1,
                "",
                ",".join(header),
                f"the header has no {' or '.join(missing)} "
                "column; a metrics file starts with team,week,metric,value "
                "(long) or team,week,<metric>,... (wide)",
            )
        )
    if problems:
        raise ImportRejected(file_name, problems)
    layout = Layout(
        format=LONG, team_col=folded["team"], week_col=folded["week"], header_names=names
    )
    if "metric" in folded and "value" in folded:
        layout.metric_col, layout.value_col = folded["metric"], folded["value"]
        extra = [
            names[c] for k, c in folded.items() if k not in ("team", "week", "metric", "value")
        ]
        for name in extra:
            problems.append(
                Problem(
                    1,
                    name,
                    None,
                    "unexpected column in a long-format file (team,week,metric,value); remove it",
                )
            )
    else:
        layout.format = WIDE
        by_fold = {fold_name(k): m for k, m in metrics.items()}
        by_fold |= {fold_name(m.label): m for m in metrics.values()}
        for key, column in folded.items():
            if key in ("team", "week"):
                continue
            metric = by_fold.get(key)
            if metric is None:
                problems.append(
                    Problem(
                        1,
                        names[column],
                        None,
                        "unknown metric; known metrics: " + ", ".join(metrics),
                    )
                )
            else:
                layout.metric_cols.append((column, names[column], metric.key, metric.unit))
        if not layout.metric_cols and not problems:
            problems.append(
                Problem(
                    1,
                    "",
                    None,
                    "no metric columns: add metric and value columns "
                    "(long format) or one column per metric (wide format)",
                )
            )
    if problems:
        raise ImportRejected(file_name, problems)
    return layout
