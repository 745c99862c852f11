"""Browser tests say what they skip: without Chromium they skip with the reason, except under
PPEXPERT_REQUIRE_BROWSER=1 (CI), where the same absence fails them."""
from __future__ import annotations

import pytest
from _chromium import require_chromium

ABSENT = ("/nonexistent/chromium",)


def test_a_missing_chromium_skips_with_the_reason(monkeypatch):
    monkeypatch.delenv("PPEXPERT_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium missing: apt-get install chromium"):
        require_chromium(ABSENT)


def test_a_missing_chromium_fails_when_ci_requires_the_browser(monkeypatch):
    monkeypatch.setenv("PPEXPERT_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PPEXPERT_REQUIRE_BROWSER=1 forbids skipping"):
        require_chromium(ABSENT)


def test_ci_requires_the_browser():
    from pathlib import Path
    script = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "export PPEXPERT_REQUIRE_BROWSER=1" in script.split("python -m pytest")[0]


def test_durable_rules_clock_raises_no_deprecation_warning():
    import warnings

    import durable.engine

    import ppexpert.engine.durable as adapter
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert durable.engine._unix_now is adapter._unix_now
        assert abs(durable.engine._unix_now() - adapter._unix_now()) < 5
