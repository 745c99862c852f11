"""The report document (report.py) and its Markdown, HTML and JSON renderings."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
from html.parser import HTMLParser

import pytest
from test_report_support import ROOT, from_the_project_folder, kb  # noqa: F401  (shared fixtures)

from ppexpert import assess
from ppexpert.present.report import build_report, link, markdown_text, render_report
from ppexpert.reasoning import knowledge_for

GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
US_PLAN = "examples/us-28-point-plan.yaml"
SEED = "examples/seed-calculator.yaml"

HOSTILE_TITLE = "<script>alert(1)</script>"


def _report(kb, *paths, date=None):
    return build_report([assess(p, kb) for p in paths], date=date)


def _conclusions(scenario: dict) -> list[dict]:
    return ([scenario["overall"]] if scenario["overall"] else []) + [
        c for key in ("risks", "violations", "requirements", "commitments", "consequences", "findings") for c in scenario[key]]


def _tree_citations(node: dict):
    if node.get("citation"):
        yield node["citation"]
    for derivation in node.get("derivations", []):
        for premise in derivation["premises"]:
            yield from _tree_citations(premise)
        yield from derivation["rests_on"]
    for child in node.get("children", []):
        yield from _tree_citations(child)


_READER_KEYS = ("n", "top", "see", "heading", "words", "test_words", "see_input", "short", "note_words", "test_short",
                "floor_title", "rationale_words")  # what the report adds for its reader


def _comparable_tree(node):
    """A why-tree without the footnote numbers, the words the report adds, and the empty keys it fills in for
    regularity."""
    if isinstance(node, dict):
        return {k: _comparable_tree(v) for k, v in node.items()
                if k not in _READER_KEYS and not (k in ("test", "citation") and v is None)
                and not (k == "text" and "reason" in node)}
    if isinstance(node, list):
        return [_comparable_tree(v) for v in node]
    return node


# ---------------------------------------------------------------- the document


def test_report_scenario_keeps_every_key_and_value_of_the_assessment_json(kb):
    assessment = assess(US_PLAN, kb)
    plain = assessment.to_json()
    scenario = build_report([assessment])["scenarios"][0]
    for key in ("ppexpert", "schema_version", "knowledge_version", "scenario", "scale", "inputs", "assumptions",
                "firings", "defeated", "undetermined"):
        assert scenario[key] == plain[key], key
    for key in ("risks", "violations", "requirements", "commitments", "consequences", "findings"):
        assert [c["id"] for c in scenario[key]] == [c["id"] for c in plain[key]]
        for annotated, original in zip(scenario[key], plain[key]):
            for field, value in original.items():
                if field not in ("disputed", "grounds"):
                    assert annotated[field] == value, (annotated["id"], field)
            # each ground keeps its keys and gains the numbers of its footnotes
            assert [{k: g[k] for k in plain_ground} for g, plain_ground in zip(annotated["grounds"], original["grounds"])] \
                == original["grounds"]
            assert all(len(g["citations"]) == len(g["sources"]) for g in annotated["grounds"])
            assert len(annotated["disputed"]) == len(original["disputed"])
            for enriched, plain_entry in zip(annotated["disputed"], original["disputed"]):
                assert {k: enriched[k] for k in plain_entry} == plain_entry


def test_every_conclusion_carries_its_anchor_citations_and_the_why_tree_of_explain(kb):
    assessment = assess(US_PLAN, kb)
    scenario = build_report([assessment])["scenarios"][0]
    conclusions = _conclusions(scenario)
    assert len(conclusions) == len(assessment.conclusions)
    anchors = [c["anchor"] for c in conclusions]
    assert len(set(anchors)) == len(anchors)
    for conclusion in conclusions:
        assert conclusion["derivation"]["id"] == conclusion["id"]
        assert conclusion["derivation"]["derivations"], conclusion["id"]
        expected = _referred(json.loads(json.dumps(assessment.why(conclusion["id"]), default=str)), True)
        assert _comparable_tree(conclusion["derivation"]) == _comparable_tree(expected)


def _referred(node: dict, top: bool) -> dict:
    """The why-tree as the report keeps it: a conclusion it rests on is derived once, under its own heading, and
    the tree points there instead of deriving it again."""
    if node.get("type") == "conclusion" and not top:
        return {**node, "derivations": [], "defeated": [], "disputed": []}
    for derivation in node.get("derivations", []):
        derivation["premises"] = [_referred(p, False) for p in derivation["premises"]]
    return node


def test_a_conclusion_is_derived_once_and_others_point_to_it(kb):
    document = _report(kb, US_PLAN)
    scenario = document["scenarios"][0]
    anchors = {c["anchor"] for c in _conclusions(scenario)}
    overall = scenario["overall"]["derivation"]
    nested = [p for d in overall["derivations"] for p in d["premises"] if p["type"] == "conclusion"]
    assert nested and all(p["see"] in anchors and p["derivations"] == [] for p in nested)
    html = render_report(document, "html")
    for anchor in anchors:
        assert html.count(f'<article class="conclusion" id="{anchor}"') == 1


def test_citation_numbers_resolve_to_title_article_and_address_and_each_provision_has_one_number(kb):
    document = _report(kb, US_PLAN)
    citations = document["citations"]
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    assert len({c["ref"] for c in citations}) == len(citations)
    by_number = {c["n"]: c for c in citations}
    used = set()
    for conclusion in _conclusions(document["scenarios"][0]):
        assert len(conclusion["citations"]) == len(conclusion["sources"])
        for number, source in zip(conclusion["citations"], conclusion["sources"]):
            assert by_number[number]["ref"] == source["ref"]
            used.add(number)
        for citation in _tree_citations(conclusion["derivation"]):
            assert by_number[citation["n"]]["ref"] == citation["ref"]
            used.add(citation["n"])
    used |= {f["citation"] for f in document["appendix"]["facts"] if f["citation"]}
    assert used == set(by_number), "every footnote is referenced, every reference has a footnote"
    constitution = next(c for c in citations if c["ref"] == "ua.constitution.art-2")
    assert constitution["title"].startswith("Constitution of Ukraine")
    assert constitution["locator"] == "Art. 2"
    assert constitution["href"].startswith("https://zakon.rada.gov.ua/")


@pytest.mark.parametrize("fmt, reference", [("md", r"\[\^(\d+)\](?!:)"), ("html", r'href="#cite-(\d+)"')])
def test_footnotes_are_numbered_in_the_order_a_reader_meets_them(kb, fmt, reference):
    """GitHub renumbers Markdown footnotes by first reference: the numbers must already be in that order."""
    document = _report(kb, SEED, US_PLAN)
    text = render_report(document, fmt)
    first_seen = list(dict.fromkeys(int(n) for n in re.findall(reference, text)))
    assert first_seen == list(range(1, len(document["citations"]) + 1))


def test_assumed_value_is_flagged_with_the_scenarios_value_and_the_knowledge_bases(kb):
    scenario = _report(kb, SEED)["scenarios"][0]
    line = next(c for c in scenario["findings"] if c["id"] == "finding.current-strength")
    assumed = next(d for d in line["disputed"] if d["baseline"] == "ua.armed-forces.personnel")
    assert assumed["assumed"] is True
    assert (assumed["value"], assumed["kb_value"]) == (1000000, 880000)
    assert "1,000,000 troops" in assumed["text"] and "880,000 troops" in assumed["text"]
    assert assumed["label"] == "Rests on an assumed value"
    assert {v["value"] for v in assumed["values"]} >= {880000, 1000000}


def test_disputed_value_names_every_source_that_differs(kb):
    scenario = _report(kb, US_PLAN)["scenarios"][0]
    risk = next(c for c in scenario["risks"] if c["id"] == "risk.defence")
    disputed = next(d for d in risk["disputed"] if d["baseline"] == "ua.armed-forces.personnel")
    assert disputed["assumed"] is False
    assert disputed["label"] == "Rests on a disputed value"
    assert "880,000 troops" in disputed["text"] and "1,000,000 troops" in disputed["text"]
    assert disputed["chosen_because"]


def test_summary_has_a_card_per_area_and_lists_the_gravest_areas_and_every_violation(kb):
    assessment = assess(US_PLAN, kb)
    scenario = build_report([assessment])["scenarios"][0]
    assert [a["id"] for a in scenario["areas"]] == [a for a in kb.areas if a != "overall"]
    for area in scenario["areas"]:
        assert all(line["anchor"].startswith("s1-") for line in area["lines"])
    ranks = {a["id"]: kb.scale.rank(a["level"]) for a in scenario["areas"] if a["level"]}
    gravest = {f"risk.{a}" for a, r in ranks.items() if r == max(ranks.values())}
    severe = scenario["most_severe"]
    assert {s["id"] for s in severe if s["kind"] == "risk"} == gravest
    assert [s["id"] for s in severe if s["kind"] == "violation"] == [v["id"] for v in scenario["violations"]]


def test_summary_flags_areas_whose_risk_rests_on_a_disputed_value(kb):
    document = _report(kb, US_PLAN)
    areas = {a["id"]: a for a in document["scenarios"][0]["areas"]}
    assert areas["defence"]["rests_on_disputed_value"] is True
    assert areas["accountability"]["rests_on_disputed_value"] is False
    severe = {s["id"]: s for s in document["scenarios"][0]["most_severe"]}
    assert severe["risk.defence"]["rests_on_disputed_value"] is True
    markdown = render_report(document, "md")
    most_severe = markdown.split("#### Most severe")[1].split("### Inputs")[0]
    flagged = [line for line in most_severe.splitlines() if line.endswith("*(rests on a disputed or assumed value)*")]
    assert len(flagged) == sum(s["rests_on_disputed_value"] for s in severe.values()) > 0
    html = render_report(document, "html")
    assert html.count('<p class="flag">') == sum(a["rests_on_disputed_value"] for a in areas.values())


def test_appendix_lists_each_fact_used_with_every_sources_value_and_every_cited_source(kb):
    document = _report(kb, SEED)
    facts = {f["id"]: f for f in document["appendix"]["facts"]}
    personnel = facts["ua.armed-forces.personnel"]
    assert personnel["value"] == 880000
    assert {v["value"] for v in personnel["values"]} == {880000, 1000000}
    assert personnel["assumed"] == [{"scenario": "seed-calculator", "value": 1000000, "shown": "1,000,000 troops",
                                     "source": "seed-article", "title": kb.sources["seed-article"].title,
                                     "note": None}]
    sources = {s["id"] for s in document["appendix"]["sources"]}
    assert {c["source"] for c in document["citations"]} <= sources
    assert {v["source"] for f in facts.values() for v in f["values"]} <= sources


def test_scenario_content_hash_is_the_sha256_of_the_file_and_knowledge_version_is_shown(kb):
    document = _report(kb, US_PLAN)
    expected = hashlib.sha256((ROOT / US_PLAN).read_bytes()).hexdigest()[:12]
    assert document["scenarios"][0]["scenario"]["content_hash"] == expected
    assert document["knowledge_version"] == kb.version
    for fmt in ("md", "html"):
        text = render_report(document, fmt)
        assert expected in text and kb.version in text


def test_scenario_given_as_a_mapping_gets_a_content_hash_independent_of_key_order(kb):
    mapping = {"id": "m", "title": "M", "parameters": {"territory_ceded_pct": 5, "war_crimes_amnesty": "none"}}
    reordered = {"parameters": {"war_crimes_amnesty": "none", "territory_ceded_pct": 5}, "title": "M", "id": "m"}
    first, second = assess(mapping, kb), assess(reordered, kb)
    assert first.loaded.content_hash == second.loaded.content_hash != ""
    changed = assess({**mapping, "title": "N"}, kb)
    assert changed.loaded.content_hash != first.loaded.content_hash


# ---------------------------------------------------------------- renderings


def test_html_report_is_one_self_contained_accessible_file(kb):
    html = render_report(_report(kb, US_PLAN), "html")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<style>" in html and "@media print" in html
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html), "no external scripts or images"
    assert not re.search(r"<link[^>]*stylesheet", html), "no external style sheets"
    assert "@import" not in html and "url(" not in html
    assert html.count("<h1") == 1
    assert html.count('<details class="derivation">') == len(_conclusions(_report(kb, US_PLAN)["scenarios"][0]))


class _HtmlStructure(HTMLParser):
    VOID = {"meta", "link", "br", "img", "hr", "input", "wbr", "source", "area", "base", "col", "embed", "track"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.mismatched: list[tuple] = []
        self.ids: list[str] = []
        self.targets: set[str] = set()
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if (attributes.get("href") or "").startswith("#"):
            self.targets.add(attributes["href"][1:])
        for name in ("aria-labelledby",):
            if name in attributes:
                self.targets.add(attributes[name])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.mismatched.append((tag, self.getpos()))
        else:
            self.open.pop()


def test_html_is_well_formed_with_unique_ids_resolving_links_and_no_skipped_heading_level(kb):
    parser = _HtmlStructure()
    parser.feed(render_report(_report(kb, SEED, US_PLAN, "examples/ukraine-peace-formula.yaml"), "html"))
    assert parser.mismatched == [] and parser.open == []
    assert len(parser.ids) == len(set(parser.ids))
    assert parser.targets <= set(parser.ids), sorted(parser.targets - set(parser.ids))[:5]
    assert parser.headings[0] == 1
    assert all(b <= a + 1 for a, b in zip(parser.headings, parser.headings[1:])), "no heading level is skipped"


def test_markdown_report_shows_summary_cards_derivations_and_footnotes(kb):
    document = _report(kb, US_PLAN)
    text = render_report(document, "md")
    assert text.startswith("# U.S. 28-point peace plan")
    assert "**Overall risk: HIGH.**" in text
    for area in document["scenarios"][0]["areas"]:
        assert f"#### {markdown_text(area['title'])}: " in text
    for citation in document["citations"]:
        assert f"\n[^{citation['n']}]: " in text
        assert f"[^{citation['n']}]" in text.split("\n## Facts and sources")[0] or citation["n"] in {
            f["citation"] for f in document["appendix"]["facts"]}
    assert "\n  - because rule `OVR-HIGH`: " in text, "derivations are nested lists"
    assert "> **Rests on a disputed value:**" in text


def test_a_script_tag_in_a_scenario_title_shows_as_text_in_html_and_markdown(kb):
    hostile = {"id": "hostile", "title": HOSTILE_TITLE,
               "description": "[click me](javascript:alert(2)) *bold* | table | <b>html</b>",
               "parameters": {"territory_ceded_pct": {"value": 20, "point": "21", "note": "<img src=x onerror=alert(3)>"},
                              "war_crimes_amnesty": "full"}}
    document = build_report([assess(hostile, kb)])
    html = render_report(document, "html")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>html" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    markdown = render_report(document, "md")
    assert "<script>" not in markdown and "<img" not in markdown and "<b>" not in markdown
    assert "# &lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "\\[click me\\](javascript:alert(2))" in markdown and "\\*bold\\*" in markdown
    assert "\\| table \\|" in markdown


def test_the_fixture_file_with_a_hostile_title_renders_escaped_through_the_cli(tmp_path):
    from ppexpert.cli import main

    out = tmp_path / "hostile.html"
    assert main(["report", str(FIXTURES / "hostile-title.yaml"), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · ppexpert report</title>" in html
    assert "<script>alert(1)</script>" not in html


def _markdown_tokens(text: str):
    from markdown_it import MarkdownIt

    tokens, stack = [], list(MarkdownIt("commonmark").enable("table").parse(text))
    while stack:
        token = stack.pop(0)
        tokens.append(token)
        stack[:0] = token.children or []
    return tokens


def test_markdown_parses_as_commonmark_with_nested_derivations_and_no_raw_html(kb):
    hostile = assess(FIXTURES / "hostile-title.yaml", kb)
    document = build_report([assess(US_PLAN, kb), hostile])
    tokens = _markdown_tokens(render_report(document, "md"))
    assert [t for t in tokens if t.type in ("html_block", "html_inline")] == [], "no raw HTML reaches the reader"
    assert [t for t in tokens if t.type == "ordered_list_open"] == [], "no text turned into a numbered list"
    headings = [t for t in tokens if t.type == "heading_open" and t.tag == "h5"]
    assert len(headings) == sum(len(_conclusions(s)) for s in document["scenarios"])
    depth = deepest = 0
    for token in tokens:
        depth += {"bullet_list_open": 1, "bullet_list_close": -1}.get(token.type, 0)
        deepest = max(deepest, depth)
    assert deepest >= 4, "a derivation nests rule, premise and the values a derived premise is worked out from"
    assert "(derived under its own heading)" in render_report(document, "md"), "a sub-conclusion is referred to"
    assert sum(t.type == "table_open" for t in tokens) == 2 + 2, "two inputs tables and the comparison's two"


def test_only_web_and_mail_addresses_become_links():
    assert link("https://example.org/a b<c>") == "https://example.org/a%20b%3Cc%3E"
    assert link("mailto:someone@example.org") == "mailto:someone@example.org"
    for address in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "shared/seeds/x.txt", "", None):
        assert link(address) is None


@pytest.mark.parametrize("text, shown", [
    ("20. point", "20\\. point"), ("- dash", "\\- dash"), ("+ plus", "\\+ plus"), ("20.5% ceded", "20.5% ceded"),
    ("a_b*c", "a\\_b\\*c"), ("line\nbreak", "line break"), ("# heading", "\\# heading"), ("x & y", "x &amp; y"),
])
def test_markdown_text_is_inert(text, shown):
    assert markdown_text(text) == shown


# ---------------------------------------------------------------- determinism and golden files


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PPEXPERT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.is_file(), f"{path} is missing; create it with PPEXPERT_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file; if the change is intended, " \
                             f"regenerate with PPEXPERT_UPDATE_GOLDEN=1 python -m pytest {__file__}"


@pytest.fixture(scope="module")
def fixture_kb():
    """The golden files are rendered from a small fixed knowledge base (tests/fixtures/reports/golden/README.md),
    so that they change when the presentation changes, not whenever researchers edit knowledge/."""
    return knowledge_for(FIXTURES / "golden" / "knowledge")


def _fixture_report(fixture_kb, *names):
    return build_report([assess(FIXTURES / "golden" / f"{name}.yaml", fixture_kb) for name in names])


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_report_of_one_scenario_matches_the_golden_file(fixture_kb, fmt):
    _golden(f"report-plan-a.{fmt}", render_report(_fixture_report(fixture_kb, "plan-a"), fmt))


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_comparison_report_matches_the_golden_file(fixture_kb, fmt):
    _golden(f"report-compare.{fmt}", render_report(_fixture_report(fixture_kb, "plan-a", "plan-b"), fmt))


def test_the_golden_fixture_exercises_every_part_of_a_report(fixture_kb):
    """If the fixture stops covering a part of the report, its golden files stop pinning that part."""
    document = _fixture_report(fixture_kb, "plan-a", "plan-b")
    plan_a, plan_b = document["scenarios"]
    assert plan_a["assumptions"] and plan_a["defeated"] and plan_b["undetermined"]
    assert any(d["assumed"] for c in _conclusions(plan_a) for d in c["disputed"])
    assert document["appendix"]["claims"] and document["appendix"]["facts"][0]["disputed"]
    step = document["comparison"]["steps"][0]
    assert step["changed"] and step["appeared"] and step["disappeared"] and step["restated"]
    assert step["inputs_changed"]
    assert all(plan[key] for plan in (plan_a,) for key in ("risks", "violations", "consequences", "findings"))


@pytest.mark.parametrize("suffix", [".md", ".html", ".json"])
def test_the_same_inputs_give_byte_identical_files(tmp_path, suffix):
    from ppexpert.cli import main

    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    assert main(["report", SEED, US_PLAN, "-o", str(first)]) == 0
    assert main(["report", SEED, US_PLAN, "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert b"\r\n" not in first.read_bytes()


def test_no_date_is_printed_unless_given(kb):
    today = dt.date.today().isoformat()
    for fmt in ("md", "html", "json"):
        assert today not in render_report(_report(kb, US_PLAN), fmt)
    dated = _report(kb, US_PLAN, date="2025-11-26")
    assert dated["date"] == "2025-11-26"
    assert "2025-11-26" in render_report(dated, "html") and "2025-11-26" in render_report(dated, "md")


def test_json_report_carries_everything_the_templates_read(kb):
    """Rendering from the JSON text (parsed back) gives the same HTML and Markdown as from the document."""
    document = _report(kb, SEED, US_PLAN)
    parsed = json.loads(render_report(document, "json"))
    for fmt in ("md", "html"):
        assert render_report(copy.deepcopy(parsed), fmt) == render_report(document, fmt)


def test_a_report_needs_assessments_of_one_knowledge_base(kb):
    with pytest.raises(ValueError):
        build_report([])
