"""Test-wide setup: the YAML rule tests under tests/cases/ are collected by ppexpert's pytest plugin, and the
knowledge-base cache lives in a folder of this test session (child processes inherit it), not the user's."""
import os
import tempfile

from ppexpert.authoring.pytest_plugin import pytest_collect_file  # noqa: F401  (a pytest hook, found by name)

os.environ.setdefault("PPEXPERT_CACHE_DIR", tempfile.mkdtemp(prefix="ppexpert-test-cache-"))


import pytest  # noqa: E402

from ppexpert.reasoning import cellcache  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_cell_cache():
    """Each test starts with an empty cell cache: a test that counts engine runs must not see another's cells."""
    cellcache.clear()
    yield
