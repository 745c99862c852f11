"""The HTML report in real headless Chromium (Debian's chromium and chromium-driver; nothing is downloaded):
it renders the findings, derivations expand, print CSS applies, and the console stays clean."""
from __future__ import annotations

import re

import pytest
from _chromium import headless_chromium
from selenium.webdriver.common.by import By
from test_report_support import ROOT, from_the_project_folder, kb  # noqa: F401  (shared fixtures)

from ppexpert import assess
from ppexpert.present.report import build_report, render_report


@pytest.fixture(scope="module")
def browser():
    with headless_chromium("1280,1000") as driver:
        yield driver


@pytest.fixture(scope="module")
def report_page(kb, tmp_path_factory):
    """The comparison report of the examples, written where the browser opens it from a file:// address."""
    paths = [ROOT / "examples/seed-calculator.yaml", ROOT / "examples/us-28-point-plan.yaml"]
    document = build_report([assess(p, kb) for p in paths])
    page = tmp_path_factory.mktemp("report") / "report.html"
    page.write_text(render_report(document, "html"), encoding="utf-8", newline="\n")
    return page, document


def _open(browser, page):
    browser.get(page.as_uri())
    browser.get_log("browser")  # start each test from an empty console log
    browser.refresh()


def _errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def test_the_report_renders_its_findings_without_console_errors(browser, report_page):
    page, document = report_page
    _open(browser, page)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == document["title"]
    for scenario in document["scenarios"]:
        overall = scenario["overall"]
        section = browser.find_element(By.ID, scenario["anchor"])
        assert section.find_element(By.CSS_SELECTOR, ".overall").text.startswith("Overall risk: ")
        assert len(section.find_elements(By.CSS_SELECTOR, ".card")) == len(scenario["areas"])
        articles = section.find_elements(By.CSS_SELECTOR, "article.conclusion")
        expected = [overall] + [c for key in ("risks", "violations", "requirements", "commitments", "consequences",
                                              "findings") for c in scenario[key]]
        assert [a.get_attribute("id") for a in articles] == [c["anchor"] for c in expected]
        first_violation = scenario["violations"][0]
        shown = browser.find_element(By.ID, first_violation["anchor"]).find_element(By.CSS_SELECTOR, ".because").text
        assert shown.startswith(first_violation["because"][:60])
    assert _errors(browser) == []


def test_expanding_a_derivation_shows_its_tree(browser, report_page):
    page, document = report_page
    _open(browser, page)
    anchor = document["scenarios"][1]["risks"][0]["anchor"]
    article = browser.find_element(By.ID, anchor)
    details = article.find_element(By.CSS_SELECTOR, "details.derivation")
    tree = details.find_element(By.CSS_SELECTOR, ".tree")
    assert details.get_attribute("open") is None and not tree.is_displayed()
    summary = details.find_element(By.TAG_NAME, "summary")
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert details.get_attribute("open") is not None
    assert tree.is_displayed()
    rule = document["scenarios"][1]["risks"][0]["derivation"]["derivations"][0]["title"]
    assert f"because “{rule}”" in tree.text  # the rule by its title; its id is for researchers
    assert re.search(r"\[\d+\]", tree.text), "citations are numbered inside the tree"
    summary.click()
    assert details.get_attribute("open") is None
    assert _errors(browser) == []


def test_expand_all_opens_every_derivation_and_a_citation_link_leads_to_its_footnote(browser, report_page):
    page, document = report_page
    _open(browser, page)
    button = browser.find_element(By.ID, "expand-all")
    assert button.is_displayed(), "the script reveals the controls"
    button.click()
    closed = browser.execute_script("return document.querySelectorAll('details:not([open])').length")
    assert closed == 0
    browser.find_element(By.ID, "collapse-all").click()
    opened = browser.execute_script("return document.querySelectorAll('details.derivation[open]').length")
    assert opened == 0
    first = document["citations"][0]
    footnote = browser.find_element(By.ID, f"cite-{first['n']}")
    assert first["title"] in footnote.text and first["locator"] in footnote.text
    assert footnote.find_element(By.TAG_NAME, "a").get_attribute("href") == first["href"]
    assert _errors(browser) == []


def test_print_layout_hides_navigation_and_opens_derivations(browser, report_page):
    page, _ = report_page
    _open(browser, page)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.TAG_NAME, "nav").is_displayed()
        browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        assert browser.execute_script("return document.querySelectorAll('details:not([open])').length") == 0
        browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
        assert browser.execute_script("return document.querySelectorAll('details.derivation[open]').length") == 0
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert _errors(browser) == []


_CONTRAST = """
function channel(c) { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
function luminance(rgb) {
  var p = rgb.match(/[\\d.]+/g).map(Number);
  return 0.2126 * channel(p[0]) + 0.7152 * channel(p[1]) + 0.0722 * channel(p[2]);
}
function background(el) {
  while (el) { var b = getComputedStyle(el).backgroundColor; if (b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') return b; el = el.parentElement; }
  return 'rgb(255, 255, 255)';
}
return Array.prototype.map.call(document.querySelectorAll(arguments[0]), function (el) {
  var a = luminance(getComputedStyle(el).color), b = luminance(background(el));
  return [el.textContent.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
});
"""


def test_text_contrast_meets_wcag_aa(browser, report_page):
    page, _ = report_page
    _open(browser, page)
    for selector in (".level", "p", "li", "th", "td", "a", "code", "summary", ".meta", ".question", ".cid"):
        for text, ratio in browser.execute_script(_CONTRAST, selector):
            assert ratio >= 4.5, f"{selector} '{text}' has contrast {ratio:.2f}"
