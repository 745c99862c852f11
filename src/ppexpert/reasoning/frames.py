"""Assessments as tables for notebooks: one row per conclusion, and plans side by side.

pandas is an optional extra (`pip install 'ppexpert[notebook]'`): it is imported on first use, so the command line
and the web server never load it.
"""
from __future__ import annotations

from typing import Iterable

COLUMNS = ("id", "kind", "area", "level", "label", "sentence", "rule", "sources", "disputed")


def conclusion_rows(assessment) -> list[dict]:
    """Every conclusion that stands, in id order: what it is, its level, its sentence, its rule and sources."""
    rows = []
    for conclusion in sorted(assessment.conclusions.values(), key=lambda c: c.id):
        sources = [f"{s.get('title', s.get('source', ''))}, {s['locator']}" if s.get("locator") else
                   str(s.get("title", s.get("source", ""))) for s in conclusion.sources]
        rows.append({"id": conclusion.id, "kind": conclusion.kind, "area": conclusion.area, "level": conclusion.level,
                     "label": conclusion.label, "sentence": conclusion.sentence, "rule": conclusion.rule,
                     "sources": "; ".join(dict.fromkeys(sources)), "disputed": bool(conclusion.disputed)})
    return rows


def _pandas():
    try:
        import pandas  # lazy: an optional extra, loaded on first use
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("tables need pandas: pip install 'ppexpert[notebook]'") from error
    return pandas


def to_frame(assessment):
    """A pandas DataFrame, one row per conclusion, indexed by conclusion id."""
    return _pandas().DataFrame(conclusion_rows(assessment), columns=COLUMNS).set_index("id")


def compare_frame(assessments: Iterable) -> "pandas.DataFrame":
    """Plans side by side: a DataFrame with a row per conclusion and a column per plan (its id); a cell holds the
    level (risks), `holds` (other conclusions), or is empty where the plan does not lead to it."""
    pandas = _pandas()
    columns = {a.scenario.id: {c.id: c.level or "holds" for c in a.conclusions.values()} for a in assessments}
    ids = sorted({cid for column in columns.values() for cid in column})
    return pandas.DataFrame({plan: [column.get(cid) for cid in ids] for plan, column in columns.items()},
                            index=pandas.Index(ids, name="conclusion"))
