"""`ppexpert site` and /kb: every source, provision, baseline, parameter and rule as a page, cross-linked both ways,
with the claims against the record; byte-identical for the same files."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pytest
from fastapi.testclient import TestClient
from test_server_support import KNOWLEDGE

from ppexpert.cli import main
from ppexpert.knowledge.shipped import examples
from ppexpert.knowledge.xref import cross_references, load_plans
from ppexpert.present.site import build_site, page_path
from ppexpert.reasoning import knowledge_for
from ppexpert.web.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, the section heading it stands under)
        self.ids: set[str] = set()
        self._heading: list[str] = []
        self._in_h2 = False
        self.section = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "h2":
            self._in_h2, self._heading = True, []
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], self.section))

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
            self.section = re.sub(r"\s*\(\d+\)$", "", "".join(self._heading).strip())

    def handle_data(self, data):
        if self._in_h2:
            self._heading.append(data)


def _parse(text: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(text)
    return parser


def _targets(pages: dict[str, str], path: str, section: str | None = None) -> set[str]:
    """The pages a page links to (resolved against its own folder), optionally only under one heading."""
    folder = PurePosixPath(path).parent
    found = set()
    for href, heading in _parse(pages[path]).links:
        if href.startswith(("http:", "https:", "mailto:")) or (section is not None and heading != section):
            continue
        target = href.split("#")[0]
        parts = []
        for part in (folder / target).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        found.add("/".join(parts))
    return found


@pytest.fixture(scope="module")
def kb():
    return knowledge_for(KNOWLEDGE)


@pytest.fixture(scope="module")
def pages(kb):
    plans, failed = load_plans(kb, examples(kb.root))
    assert failed == []
    return build_site(kb, cross_references(kb, plans))


def test_every_object_of_the_knowledge_base_has_a_page(kb, pages):
    expected = ({page_path("source", s) for s in kb.sources} | {page_path("provision", p) for p in kb.provisions}
                | {page_path("baseline", b) for b in kb.baselines} | {page_path("parameter", p) for p in kb.parameters}
                | {page_path("rule", r.id) for r in kb.rules} | {page_path("plan", p) for p in examples(kb.root)}
                | {"index.html", "claims.html"})
    assert set(pages) == expected
    assert len(kb.rules) > 90 and len(kb.provisions) > 50


def test_no_link_of_the_site_points_at_a_page_that_is_not_there(pages):
    dangling = {(path, target) for path in pages for target in _targets(pages, path) if target not in pages}
    assert dangling == set()
    claims = _parse(pages["claims.html"]).ids
    for path, text in pages.items():
        for href, _ in _parse(text).links:
            if "claims.html#" in href:
                assert href.split("#")[1] in claims, (path, href)


def test_a_rule_links_to_each_article_it_rests_on_and_the_article_links_back(kb, pages):
    checked = 0
    for rule in kb.rules:
        for ref in rule.rests_on:
            kind = "provision" if ref in kb.provisions else "baseline"
            target = page_path(kind, ref if kind == "provision" else kb.baseline(ref).id)
            assert target in _targets(pages, page_path("rule", rule.id), "Rests on"), (rule.id, ref)
            heading = "Rules resting on this article" if kind == "provision" else "Rules resting on this fact"
            assert page_path("rule", rule.id) in _targets(pages, target, heading), (ref, rule.id)
            checked += 1
    assert checked > 150


def test_art_73_lists_the_rules_resting_on_it_and_the_claim_about_it(pages):
    page = pages["provisions/ua.constitution.art-73.html"]
    resting = _targets(pages, "provisions/ua.constitution.art-73.html", "Rules resting on this article")
    assert "rules/SOV-ART-73.html" in resting and "rules/CON-REFERENDUM-PROCEDURE.html" in resting
    assert "Claims about this article, against the record" in page
    assert 'id="claim-art-14-territory"' in page


def test_an_input_lists_the_plans_setting_it_with_value_and_point_and_each_plan_links_back(kb, pages):
    plans, _ = load_plans(kb, examples(kb.root))
    for pid, (_, loaded) in plans.items():
        scenario = loaded.scenario
        plan_page = page_path("plan", pid)
        for name in (n for n in scenario.parameters if n in kb.parameters):  # a group of inputs has no page
            target = page_path("parameter", name)
            assert target in _targets(pages, plan_page, "Inputs it sets")
            assert plan_page in _targets(pages, target, "Plans setting this input"), (pid, name)
    territory = pages["parameters/territory_ceded_pct.html"]
    rows = re.findall(r'<tr><td><a href="../plans/([^"]+).html">[^<]*</a></td><td>([^<]*)</td><td>([^<]*)</td>',
                      territory)
    assert rows and all(value.endswith("%") or value == "unknown" for _, value, _ in rows), rows
    # a plan that writes its territory region by region derives the share: listed, said to be derived, linked back
    assert "us-28-point-plan" in [plan for plan, _, _ in rows]
    assert "derived from what the plan writes" in territory
    assert "parameters/territory_ceded_pct.html" in _targets(pages, page_path("plan", "us-28-point-plan"),
                                                             "Inputs derived from what it writes")
    points = [point for path, text in pages.items() if path.startswith("parameters/")
              for point in re.findall(r'</a></td><td>[^<]*</td><td>([^<]+)</td>', text)]
    assert points  # the plan point a value encodes


def test_a_rule_s_conditions_link_to_the_inputs_it_tests_and_the_inputs_link_back(kb, pages):
    for rule in kb.rules:
        for condition in rule.when + rule.unless:
            if condition.input is not None and condition.input in kb.parameters:
                target = page_path("parameter", condition.input)
                assert target in _targets(pages, page_path("rule", rule.id))
                assert page_path("rule", rule.id) in _targets(pages, target, "Rules testing this input")


def test_overrides_are_linked_both_ways(kb, pages):
    pairs = [(rule.id, loser) for rule in kb.rules for loser in rule.overrides]
    assert pairs
    for winner, loser in pairs:
        assert page_path("rule", loser) in _targets(pages, page_path("rule", winner), "Defeats these rules when both apply")
        assert page_path("rule", winner) in _targets(pages, page_path("rule", loser), "Defeated by")


def test_a_source_lists_its_claims_against_the_record_and_its_articles(kb, pages):
    seed = pages["sources/seed-article.html"]
    differs = [c for c in kb.claims.values() if c.source == "seed-article" and c.status == "differs"]
    assert differs
    for claim in differs:
        assert f'id="claim-{claim.id}"' in seed
    assert "claim claim-differs" in seed and "The record:" in seed
    constitution = _targets(pages, "sources/constitution-of-ukraine.html", "Articles of this instrument")
    assert "provisions/ua.constitution.art-73.html" in constitution


def test_the_site_is_byte_identical_and_names_no_file_of_this_machine(kb, pages):
    plans, _ = load_plans(kb, examples(kb.root))
    assert build_site(kb, cross_references(kb, plans)) == pages
    root = str(KNOWLEDGE.resolve().parent)
    assert not [path for path, text in pages.items() if root in text]
    assert "knowledge/rules/sovereignty.yaml:" in pages["rules/SOV-ART-73.html"].replace("<wbr>", "")


def test_text_from_yaml_is_escaped(pages):
    # no page holds a tag other than the template's own (a '<' in YAML text shows as &lt;)
    tags = {tag for text in pages.values() for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", text)}
    assert tags <= {"html", "head", "meta", "link", "title", "style", "body", "header", "nav", "a", "h1", "h2", "h3", "p",
                    "code", "wbr", "main", "ul", "li", "section", "dl", "dt", "dd", "strong", "span", "blockquote",
                    "table", "thead", "tbody", "tr", "th", "td", "article", "br", "footer"}
    assert not any("<script" in text for text in pages.values())


def test_cli_writes_the_site_and_refuses_a_file_as_the_folder(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["site", "-o", str(out)]) == 0
    assert (out / "index.html").is_file() and (out / "rules" / "SOV-ART-73.html").is_file()
    assert "pages to" in capsys.readouterr().err
    again = tmp_path / "again"
    assert main(["site", "-o", str(again)]) == 0
    assert sorted(p.read_bytes() for p in out.rglob("*.html")) == sorted(p.read_bytes() for p in again.rglob("*.html"))
    (out / "rules" / "OLD-RULE.html").write_text("a rule since removed")
    (out / "notes.txt").write_text("the reader's own file")
    assert main(["site", "-o", str(out)]) == 0
    assert "removed 1 pages" in capsys.readouterr().err
    assert not (out / "rules" / "OLD-RULE.html").exists() and (out / "notes.txt").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["site", "-o", str(blocker)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_the_web_app_serves_the_same_pages_under_kb(pages):
    client = TestClient(create_app(KNOWLEDGE))
    moved = client.get("/kb", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/kb/"
    home = client.get("/kb/")
    assert home.status_code == 200 and home.text == pages["index.html"]
    rule = client.get("/kb/rules/SOV-ART-73.html")
    assert rule.status_code == 200 and rule.text == pages["rules/SOV-ART-73.html"]
    assert rule.headers["content-type"].startswith("text/html")
    assert client.get("/kb/rules/NO-SUCH.html").status_code == 404
    assert client.get("/kb/../server.py").status_code == 404
    assert "/kb/{page}" not in client.get("/openapi.json").json()["paths"]
