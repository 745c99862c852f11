"""Test-wide setup: the YAML rule tests under tests/cases/ are collected by ppexpert's pytest plugin."""
from ppexpert.pytest_plugin import pytest_collect_file  # noqa: F401  (a pytest hook, found by name)
