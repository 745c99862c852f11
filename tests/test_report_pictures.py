"""The HTML report shows each risk's derivation as a picture (SVG laid out by Graphviz, inside the derivation), and
a comparison opens with a heat map of areas by plans."""
from __future__ import annotations

import base64
import re
import shutil

import pytest

import ppexpert
from ppexpert.present.report import build_report, derivation_pictures, render_report

PLANS = ["seed-calculator", "us-28-point-plan", "ukraine-peace-formula"]


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is missing: apt-get install graphviz")
def test_every_risk_derivation_carries_its_picture():
    assessment = ppexpert.assess("us-28-point-plan")
    document = build_report([assessment])
    pictures = derivation_pictures([assessment], document)
    risks = {f"s1-{c.id}" for c in assessment.by_kind("risk")}
    assert set(pictures) == risks
    page = render_report(document, "html", pictures)
    for anchor, uri in pictures.items():
        svg = base64.b64decode(uri.split(",", 1)[1]).decode()
        assert "<svg" in svg
        article = page.split(f'id="{anchor}"', 1)[1].split("</article>", 1)[0]
        assert f'<img src="{uri}"' in article.split('<details class="derivation">', 1)[1]
    assert render_report(document, "html", pictures) == page


def test_a_comparison_opens_with_a_heat_map_of_areas_by_plans():
    assessments = [ppexpert.assess(plan) for plan in PLANS]
    page = render_report(build_report(assessments), "html")
    comparison = page.split('<section id="comparison"', 1)[1]
    heat = comparison.split('<table class="heatmap">', 1)[1].split("</table>", 1)[0]
    assert comparison.index('class="heatmap"') < comparison.index("Conclusions side by side")
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", heat)
    areas = assessments[0].to_json()["areas"]
    assert [title for title, _ in rows] == [a["title"].replace("'", "&#39;") for a in areas]
    for (title, cells), area in zip(rows, areas):
        shown = re.findall(r'<td class="([^"]+)">([A-Z ]+)</td>', cells)
        expected = []
        for assessment in assessments:
            risk = assessment.get(f"risk.{area['id']}")
            expected.append((f"level-{risk.level}", risk.level.upper()) if risk else ("open", "OPEN"))
        assert shown == expected, title


def test_a_risk_strip_of_the_areas_opens_each_plans_summary():
    assessment = ppexpert.assess("us-28-point-plan")
    document = build_report([assessment])
    page = render_report(document, "html")
    strip = page.split('<ol class="risk-strip"', 1)[1].split("</ol>", 1)[0]
    assert page.index('class="risk-strip"') < page.index('class="cards"')
    for area in document["scenarios"][0]["areas"]:
        # a level; else open (left to unknown inputs); else its violations, never hidden; else no risk level
        level = (area["level"] or ("open" if area["undetermined"] else f"{area['violations']} violation"
                                   + ("s" if area["violations"] > 1 else "") if area["violations"]
                                   else "no risk level")).upper()
        assert re.search(rf'href="#s1-area-{area["id"]}">[^<]+</a> <span class="level[^"]*">{level}</span>', strip)
