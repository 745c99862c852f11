"""Real headless Chromium for browser tests: Debian's chromium and chromedriver, nothing downloaded.

Where they are missing a browser test is skipped and says why, except under PPEXPERT_REQUIRE_BROWSER=1 (which
.ci/run sets), where it fails: CI never skips a browser test."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def require_chromium(binaries: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> None:
    """Skip the calling test (with the reason) when a binary is missing, or fail when the browser is required."""
    missing = [binary for binary in binaries if not shutil.which(binary)]
    if not missing:
        return
    reason = f"{', '.join(missing)} missing: apt-get install chromium chromium-driver (.ci/run does)"
    if os.environ.get("PPEXPERT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; PPEXPERT_REQUIRE_BROWSER=1 forbids skipping browser tests", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def headless_chromium(window: str = "1280,1000"):
    """A selenium driver with a fresh profile, its console log kept, and no background network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_chromium()
    profile = tempfile.mkdtemp(prefix="ppexpert-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", f"--window-size={window}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    width, height = (int(n) for n in window.split(","))
    if width < 500:  # a desktop window is at least 500 px wide: a phone's viewport is emulated instead
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
