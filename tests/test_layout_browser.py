"""The calculator page and the reports laid out at a laptop's 1366 px and a phone's 390 px, in real headless
Chromium: no horizontal overflow, and no word broken inside a run of letters (the "More areas" cards at 1366 px
squeezed their text to one word per line; at 390 px the report's inputs table and the comparison were 704 px)."""
from __future__ import annotations

import re
import shutil

import pytest
from _chromium import headless_chromium
from _layout import LAYOUT_PROBE
from selenium.webdriver.support.ui import WebDriverWait
from test_server_support import server_process

import ppexpert
from ppexpert.present.report import build_report, render_report

WIDTHS = ["1366,900", "390,844"]


@pytest.fixture(scope="module")
def url():
    with server_process() as base:
        yield base


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    plans = [ppexpert.assess("seed-calculator"), ppexpert.assess("us-28-point-plan")]
    pages = {"report": build_report(plans[1:]), "comparison": build_report(plans)}
    for name, document in pages.items():
        (folder / f"{name}.html").write_text(render_report(document, "html"), encoding="utf-8")
    return folder


def assert_laid_out(driver, where: str) -> None:
    found = driver.execute_script(LAYOUT_PROBE)
    assert found["overflow"] == 0 and found["wide"] == [], f"{where}: wider than the screen: {found['wide']}"
    assert found["broken"] == [], f"{where}: words broken inside their letters: {found['broken']}"


@pytest.mark.parametrize("window", WIDTHS)
def test_the_calculator_fits_the_screen_with_whole_words(url, window):
    with headless_chromium(window) as driver:
        driver.get(url)
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "return document.querySelectorAll('#more-areas article.card').length > 0"))
        assert_laid_out(driver, f"the calculator at {window}")
        buttons = driver.find_elements("css selector", "#more-areas button[data-why]")[:2]
        assert buttons
        for button in buttons:
            driver.execute_script("arguments[0].click()", button)  # a "Why?" panel opened inside a narrow card
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "return [...document.querySelectorAll('#more-areas .why')].filter(e => e.innerText.length > 20).length"
            " >= 1"))
        if shutil.which("dot"):  # the derivation's picture, drawn by Graphviz, opens the panel
            WebDriverWait(driver, 60).until(lambda d: d.execute_script(
                "return document.querySelectorAll('#more-areas .why .picture img').length >= 1"))
        researcher = driver.execute_script(
            "return [...document.querySelectorAll('#more-areas .why')].map(e => e.innerText).join(' ')")
        assert not re.search(r"\b[A-Z]{2,4}-[A-Z0-9-]+\b|/knowledge/|\.yaml", researcher), \
            "rule ids and file paths belong in the folded details"
        assert_laid_out(driver, f"the calculator with Why? open at {window}")


@pytest.mark.parametrize("window", WIDTHS)
@pytest.mark.parametrize("name", ["report", "comparison"])
def test_the_reports_fit_the_screen_with_whole_words(reports, name, window):
    with headless_chromium(window) as driver:
        driver.get((reports / f"{name}.html").as_uri())
        assert_laid_out(driver, f"the {name} at {window}")


def test_the_risk_strip_opens_the_page_and_the_overall_card_says_when_the_plan_was_modified(url):
    with headless_chromium("1366,900") as driver:
        driver.get(url)
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.risk-strip li').length > 0"))
        strip = driver.execute_script(
            "return [...document.querySelectorAll('.risk-strip li')].map(li => [li.dataset.area,"
            " li.querySelector('.level').dataset.level])")
        cards = driver.execute_script(
            "return [...document.querySelectorAll('article.card[data-area]')].map(c => c.dataset.area)")
        assert [area for area, _ in strip] and set(a for a, _ in strip) >= set(cards) - {"overall"}
        title = "return document.querySelector('.overall-card h2').innerText"
        assert "(modified)" not in driver.execute_script(title)
        driver.execute_script("const s = document.querySelector('input[type=range]'); s.value = Number(s.value) + 5;"
                              "s.dispatchEvent(new Event('input', {bubbles: true}))")
        WebDriverWait(driver, 60).until(lambda d: "(modified)" in d.execute_script(title))
        driver.find_element("id", "reset").click()
        WebDriverWait(driver, 60).until(lambda d: "(modified)" not in d.execute_script(title))


@pytest.mark.parametrize("window", WIDTHS)
def test_left_open_names_each_unknown_input_by_its_label(url, window):
    """A card's "Left open" read `us_commitment unknown in this scenario`: now the parameter's label, in a card that
    still fits the screen."""
    from selenium.webdriver.support.ui import Select

    with headless_chromium(window) as driver:
        driver.get(url + "?preset=seed-calculator")
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "return document.querySelectorAll('article.card[data-area]').length > 0"))
        Select(driver.find_element("id", "mode-us_commitment")).select_by_value("unknown")
        text = WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "const open = document.querySelector('article.card[data-area=\"enforcement\"] .open');"
            "return open ? open.innerText : null"))
        assert "what the United States commits to do if Russia breaks the agreement" in text
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b(?:risk|finding|violation)\.[a-z]", text), text
        assert_laid_out(driver, f"the calculator with an input left open at {window}")
