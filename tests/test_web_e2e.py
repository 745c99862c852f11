"""The calculator page in real headless Chromium (Debian's chromium and chromedriver; nothing downloaded)
against `ppexpert serve` on a free loopback port."""
from __future__ import annotations

import pytest
from _chromium import headless_chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait
from test_server_support import preset, server_process


@pytest.fixture(scope="module")
def url():
    with server_process() as base:
        yield base


@pytest.fixture
def browser():
    with headless_chromium("1280,900") as driver:
        yield driver


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def card_level(driver, area: str) -> str | None:
    # read in one script: the page replaces its cards on every answer, so a held element can go stale
    return driver.execute_script("const c = document.querySelector(arguments[0]); return c ? c.dataset.level : null",
                                 f'#slot-{area} article.card[data-area="{area}"]')


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_moving_the_territory_slider_changes_the_sovereignty_card_and_why_shows_a_citation(url, browser):
    browser.get(url)
    wait(browser, lambda d: card_level(d, "sovereignty") == "high")  # the calculator's default: 20%
    slider = browser.find_element(By.ID, "in-territory_ceded_pct")
    assert slider.get_attribute("value") == "20"

    slider.send_keys(Keys.HOME)  # the slider to 0, as a keyboard user moves it
    wait(browser, lambda d: card_level(d, "sovereignty") == "low")
    assert browser.find_element(By.CSS_SELECTOR, '[data-parameter="territory_ceded_pct"] output').text == "0%"

    for _ in range(4):  # Page Up moves a range input by a tenth of its span: 0 -> 40
        slider.send_keys(Keys.PAGE_UP)
    assert slider.get_attribute("value") == "40"
    wait(browser, lambda d: "40% of Ukraine under Russian control" in d.execute_script(
        "return document.querySelector('#slot-sovereignty article.card').innerText"))  # the answer for 40, not 10-30
    assert card_level(browser, "sovereignty") == "critical"
    card = browser.find_element(By.CSS_SELECTOR, "#slot-sovereignty article.card")
    assert browser.find_element(By.ID, "num-territory_ceded_pct").get_attribute("value") == "40"
    assert "territory_ceded_pct=40" in browser.current_url  # the settings can be shared as a link

    card.find_element(By.CSS_SELECTOR, '.card-actions button[data-why="risk.sovereignty"]').click()
    citations = wait(browser, lambda d: d.execute_script("""
        const panel = document.querySelector('#slot-sovereignty .why[data-for="risk.sovereignty"]');
        const links = panel ? [...panel.querySelectorAll('a.citation')] : [];
        return links.length ? {panel: panel.innerText, links: links.map(a => [a.innerText, a.href])} : null;"""))
    assert any("Constitution of Ukraine" in text and href.startswith("https://") for text, href in citations["links"])
    assert "Impact on sovereignty: critical risk" in citations["panel"]
    assert "40% of Ukraine" in citations["panel"] or "40%" in citations["panel"]

    assert console_errors(browser) == []
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(name.startswith(url) for name in loaded), loaded  # nothing fetched from elsewhere


def test_a_choice_a_preset_and_compare_with_update_the_cards(url, browser):
    browser.get(url)
    wait(browser, lambda d: card_level(d, "accountability") == "high")
    browser.find_element(By.CSS_SELECTOR, 'label[for="in-war_crimes_amnesty-none"]').click()
    wait(browser, lambda d: card_level(d, "accountability") not in (None, "high"))

    Select(browser.find_element(By.ID, "compare")).select_by_value("ukraine-peace-formula")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-sovereignty article.card.compared"))
    compared = browser.find_element(By.CSS_SELECTOR, "#compare-sovereignty article.card.compared")
    assert compared.get_attribute("data-level") == "low" and "Peace Formula" in compared.text

    Select(browser.find_element(By.ID, "preset")).select_by_value("us-28-point-plan")
    wait(browser, lambda d: "28-point" in d.find_element(By.ID, "overall").text)
    # the plan gives its territory region by region: the dial shows the share derived from the regions
    assert "territory" in preset("us-28-point-plan")["parameters"]
    assert browser.find_element(By.ID, "mode-territory_ceded_pct").get_attribute("value") == "derived"
    readout = '[data-parameter="territory_ceded_pct"] output'
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, readout).text == "20% (derived)")
    assert card_level(browser, "sovereignty") == "high"
    Select(browser.find_element(By.ID, "mode-territory_ceded_pct")).select_by_value("set")  # by hand: sets aside
    assert float(browser.find_element(By.ID, "num-territory_ceded_pct").get_attribute("value")) == 20  # from it
    assert console_errors(browser) == []


def test_the_page_fits_a_phone_screen(url, browser):
    browser.set_window_size(390, 844)
    browser.get(url)
    wait(browser, lambda d: card_level(d, "enforcement"))
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    slider = browser.find_element(By.ID, "in-territory_ceded_pct")
    card = browser.find_element(By.CSS_SELECTOR, "#slot-sovereignty article.card")
    assert card.location["y"] > slider.location["y"]  # stacked: the card below its slider
    assert console_errors(browser) == []


def test_a_shared_link_restores_the_settings_and_an_unstated_input_leaves_the_card_open(url, browser):
    browser.get(url + "?preset=us-28-point-plan&territory_ceded_pct=0&compare=ukraine-peace-formula")
    wait(browser, lambda d: card_level(d, "sovereignty") == "low")
    assert browser.find_element(By.ID, "in-territory_ceded_pct").get_attribute("value") == "0"
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-defence article.card.compared"))

    Select(browser.find_element(By.ID, "mode-us_commitment")).select_by_value("unknown")
    wait(browser, lambda d: card_level(d, "enforcement") == "")
    card_text = browser.execute_script("return document.querySelector('#slot-enforcement article.card').innerText")
    # what it leaves open, in words: the input by its label, never its name
    assert "Left open" in card_text and "what the United States commits to do" in card_text
    assert "us_commitment" not in card_text
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="in-us_commitment"]').get_attribute("disabled")
    assert "us_commitment=%22unknown%22" in browser.current_url
    assert console_errors(browser) == []


def test_a_violation_whose_exception_the_plan_leaves_open_says_so_on_the_page(url, browser):
    browser.get(url)
    wait(browser, lambda d: card_level(d, "sovereignty") == "high")
    item = wait(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, 'section.requirements li[data-conclusion="requirement.referendum-on-territory"]'))
    assert "Open: stands unless the plan submits the change to an all-Ukrainian referendum" in item.text
    assert not console_errors(browser)


def test_why_reads_as_words_holding_rule_first_and_not_stated_highlights_no_answer(url, browser):
    from _readable_checks import problems  # the same checks as the unit tests of present/readable.py

    browser.get(url + "?preset=us-28-point-plan")
    wait(browser, lambda d: "28-point" in d.find_element(By.ID, "overall").text)
    browser.find_element(By.CSS_SELECTOR, '.overall-card button[data-why="risk.overall"]').click()
    shown = wait(browser, lambda d: d.execute_script("""
        const panel = document.querySelector('.overall-card .why[data-for="risk.overall"]');
        if (!panel || !panel.querySelector('.derivations')) return null;
        const copy = panel.cloneNode(true);
        copy.querySelectorAll('details.researcher').forEach(d => d.remove());
        const roles = [...panel.querySelectorAll(':scope > .reader > .derivations > li')].map(li => li.dataset.role);
        const details = [...panel.querySelectorAll('details.researcher')].map(d => d.textContent).join(' ');
        return {text: copy.innerText, roles, details};"""))
    assert shown["roles"][0] == "holds" and "set aside" in shown["roles"]
    assert shown["roles"] == sorted(shown["roles"], key=lambda role: role != "holds")
    assert problems(shown["text"]) == []
    assert "OVR-" in shown["details"]  # the ids are there, folded, for researchers

    browser.get(url)
    wait(browser, lambda d: card_level(d, "accountability") == "high")
    assert browser.execute_script("return document.querySelectorAll('input[name=\"in-war_crimes_amnesty\"]:checked')"
                                  ".length") == 1
    Select(browser.find_element(By.ID, "mode-war_crimes_amnesty")).select_by_value("unknown")
    wait(browser, lambda d: card_level(d, "accountability") != "high")
    assert browser.execute_script("return document.querySelectorAll('input[name=\"in-war_crimes_amnesty\"]:checked')"
                                  ".length") == 0
    assert console_errors(browser) == []


def test_requirements_and_commitments_have_their_own_sections_with_the_step_and_the_context_apart(url, browser):
    browser.get(url)
    wait(browser, lambda d: card_level(d, "sovereignty") == "high")
    requirement = wait(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, 'section.requirements li[data-kind="requirement"]'))
    assert requirement.get_attribute("data-conclusion") == "requirement.election-under-martial-law"
    for term in ("Step", "Barred by", "Could be met"):
        assert term in requirement.find_element(By.CSS_SELECTOR, "dl.requirement").text
    commitment = browser.find_element(By.CSS_SELECTOR, 'section.commitments li[data-kind="commitment"]')
    assert "Helsinki" in commitment.find_element(By.CSS_SELECTOR, ".sources.basis").text
    assert "context, not a basis" in commitment.find_element(By.CSS_SELECTOR, ".sources.context").text
    assert not browser.find_elements(By.CSS_SELECTOR, 'section.violations li[data-kind="commitment"]')
    assert not console_errors(browser)


def test_the_28_point_plan_shows_every_ground_of_a_conclusion_several_rules_reach(url, browser):
    """Issue 10 §5: the elections card keeps its martial-law line, and a conclusion two rules reach shows both."""
    browser.get(url + "?preset=us-28-point-plan")
    wait(browser, lambda d: card_level(d, "elections") == "high")
    card_text = browser.execute_script("return document.querySelector('#slot-elections article.card').innerText")
    assert "An election within 100 days (point 25) cannot be held while martial law lasts" in card_text
    lines = wait(browser, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#slot-constitution li[data-conclusion="consequence.sequencing-conflict"]'))
    texts = [line.text for line in lines]
    assert len(texts) == 2
    assert any("election within 100 days" in t for t in texts) and any("non-NATO clause" in t for t in texts)
    assert not console_errors(browser)
