"""What a notebook shows for an Assessment: the overall risk and one card per area (level, answer, derived lines),
read from the assessment's JSON document. Importing this module installs it as `Assessment._repr_html_`'s renderer.
"""
from __future__ import annotations

from html import escape

from ppexpert.reasoning.assessment import Assessment

_COLOURS = {"low": ("#e6f4ea", "#0d5223"), "medium": ("#fff4d1", "#5e4400"), "high": ("#fde3d3", "#8a2500"),
            "critical": ("#7d0012", "#ffffff")}
_OPEN = ("#eeeeee", "#333333")


def _badge(level: str | None) -> str:
    background, ink = _COLOURS.get(level or "", _OPEN)
    return (f'<span style="background:{background};color:{ink};border:1px solid {ink};border-radius:3px;'
            f'padding:0 .4em;font-weight:700;font-size:.8em">{escape((level or "not determined").upper())}</span>')


def assessment_html(assessment: Assessment) -> str:
    document = assessment.to_json()
    overall = document.get("overall") or {}
    cards = []
    for area in document["areas"]:
        lines = "".join(f"<li><b>{escape(line.get('label') or '')}</b> {escape(line.get('text') or '')}</li>"
                        for line in area["lines"])
        cards.append(f'<div style="border:1px solid #ccc;border-radius:6px;padding:.5em .8em">'
                     f'<div><b>{escape(area["title"])}</b> {_badge(area.get("level"))}</div>'
                     f'<div style="color:#555;font-size:.9em">{escape(area.get("because") or "")}</div>'
                     f'<ul style="margin:.3em 0 0 1em;padding:0;font-size:.9em">{lines}</ul></div>')
    title = escape(document["scenario"].get("title") or document["scenario"]["id"])
    return (f'<div class="ppexpert-assessment"><p><b>{title}</b>: overall risk {_badge(overall.get("level"))} '
            f'{escape(overall.get("because") or "")}</p><div style="display:grid;'
            f'grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:.6em">{"".join(cards)}</div></div>')


Assessment.html_renderer = staticmethod(assessment_html)
