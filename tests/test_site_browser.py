"""The knowledge base's pages under /kb in real headless Chromium: a reader follows the links from the index to an
article, from the article to a rule resting on it, from the rule to an input it tests, and from the input to a plan
setting it, and back."""
from __future__ import annotations

import pytest
from _chromium import headless_chromium
from selenium.webdriver.common.by import By
from test_server_support import server_process

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _follow(driver, section_heading: str, link_text: str) -> None:
    """Click the link called `link_text` under the heading that starts with `section_heading`."""
    link = driver.execute_script("""
        const [heading, text] = arguments;
        for (const h of document.querySelectorAll('h1, h2, h3')) {
            if (!h.textContent.trim().startsWith(heading)) continue;
            const section = h.closest('section') || h.parentElement;
            const a = [...section.querySelectorAll('a')].find(a => a.textContent.trim().startsWith(text));
            if (a) return a;
        }
        return null;""", section_heading, link_text)
    assert link is not None, f"no link '{link_text}' under '{section_heading}' on {driver.current_url}"
    link.click()


def test_a_reader_follows_the_cross_links_of_the_knowledge_base_both_ways():
    with server_process() as base, headless_chromium("1280,900") as driver:
        driver.get(base + "kb")
        assert driver.current_url == base + "kb/"
        assert driver.find_element(By.TAG_NAME, "h1").text == "The knowledge base"

        _follow(driver, "Constitution of Ukraine", "Art. 73")
        assert driver.current_url.endswith("/kb/provisions/ua.constitution.art-73.html")
        assert "referendum" in driver.find_element(By.CSS_SELECTOR, "p.paraphrase").text

        _follow(driver, "Rules resting on this article", "A change of territory needs the all-Ukrainian")
        assert driver.current_url.endswith("/kb/rules/SOV-ART-73.html")
        _follow(driver, "Rests on", "Constitution of Ukraine")  # and back to the article
        assert driver.current_url.endswith("/kb/provisions/ua.constitution.art-73.html")
        driver.back()

        driver.find_element(By.PARTIAL_LINK_TEXT, "Share of Ukraine's territory").click()
        assert driver.current_url.endswith("/kb/parameters/territory_ceded_pct.html")
        _follow(driver, "Plans setting this input", "U.S. 28-point")
        assert driver.current_url.endswith("/kb/plans/us-28-point-plan.html")
        _follow(driver, "Inputs derived from what it writes", "Share of Ukraine's territory")  # and back
        assert driver.current_url.endswith("/kb/parameters/territory_ceded_pct.html")

        driver.find_element(By.LINK_TEXT, "Claims against the record").click()
        assert driver.find_elements(By.CSS_SELECTOR, "article.claim.claim-differs")
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1280
