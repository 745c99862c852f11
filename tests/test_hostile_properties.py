"""Generated YAML documents and knowledge folders (issue 15): the loader and `check` answer every one with data or
with problems that have a position, never with another exception; plain data survives a round trip."""
from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppexpert.authoring.project import check_project
from ppexpert.knowledge.problems import InputError
from ppexpert.knowledge.yamlfile import MAX_NUMBER, parse_document

BASE_KB = Path(__file__).parent / "fixtures" / "broken" / "_base"

# fragments a careless or hostile author writes: indicators, anchors and aliases, tags, numbers in every base,
# control characters, dates, merge keys, deep brackets
FRAGMENTS = st.sampled_from([
    "a", "b", "id", "title", "parameters", ": ", ":", "- ", "-", "\n", "\n  ", "\n    ", "  ", "[", "]", "{", "}",
    ", ", "&x ", "*x", "&y ", "*y", "!!int ", "!!str ", "!!float ", "!!timestamp ", "!!binary ", "!!python/object ",
    "!x ", "<<", "? ", "0x14", "017", "1:20", "0b1", ".inf", ".nan", "-.inf", "1.0e+20", "9" * 30, "20", "-3", "0.5",
    "2025-13-45", "2025-01-01", "yes", "~", "null", "'", '"', "\\e", "\\x9b", "\t", "\x00", "\x01", "\x1b", "\x85",
    "\u2028", "\ufeff", "#", "|", ">", "---", "...", "%YAML 1.1", "é", "\ud800",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=60).map("".join))
def test_any_text_loads_or_is_refused_with_positions(text):
    try:
        doc = parse_document(text, "f.yaml")
    except InputError as error:
        assert error.problems and all(p.span.file == "f.yaml" and p.code for p in error.problems)
        assert error.render()  # and renders
        return
    _assert_plain(doc.data)


def _assert_plain(value) -> None:
    """What the loader hands on: text keys, finite decimal numbers within bounds, no control characters."""
    if isinstance(value, dict):
        for key, inner in value.items():
            assert isinstance(key, str)
            _assert_plain(inner)
    elif isinstance(value, list):
        for inner in value:
            _assert_plain(inner)
    elif isinstance(value, float):
        assert math.isfinite(value) and abs(value) <= MAX_NUMBER
    elif isinstance(value, int) and not isinstance(value, bool):
        assert abs(value) <= MAX_NUMBER
    elif isinstance(value, str):
        assert not any(ord(c) < 32 and c not in "\t\n" for c in value)


TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
SCALARS = (st.none() | st.booleans() | st.integers(-MAX_NUMBER, MAX_NUMBER) | TEXT |
           st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False))
PLAIN = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                     max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, PLAIN, max_size=6))
def test_plain_data_written_by_a_yaml_library_reads_back_the_same(data):
    for style in (False, None):
        assert parse_document(yaml.safe_dump(data, default_flow_style=style, allow_unicode=True), "f.yaml").data == data


HOSTILE_VALUES = st.sampled_from(["*x", "&x [*x]", "0x10", "1:20", ".nan", ".inf", "1.0e+20", "!!int abc",
                                  "2025-13-45", "\"\\e[31m\"", "{<<: {a: 1}}", "[[[[[[", "9" * 40, "-1", "''", "~"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_knowledge_folder_with_generated_damage_is_checked_without_an_exception(data):
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp) / "knowledge"
        shutil.copytree(BASE_KB, kb)
        files = sorted(kb.rglob("*.yaml"))
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(files))
            lines = path.read_bytes().decode("utf-8", "surrogatepass").splitlines()  # a file damaged before
            index = data.draw(st.integers(0, len(lines) - 1))
            how = data.draw(st.sampled_from(["value", "line", "cut", "file"]))
            if how == "value" and ": " in lines[index]:
                head = lines[index].rsplit(": ", 1)[0]
                lines[index] = f"{head}: {data.draw(HOSTILE_VALUES)}"
            elif how == "line":
                lines.insert(index, data.draw(FRAGMENTS) + data.draw(FRAGMENTS) + data.draw(HOSTILE_VALUES))
            elif how == "cut":
                lines = lines[:index]
            else:
                text = data.draw(st.lists(FRAGMENTS, max_size=30).map("".join))
                (kb / "rules" / f"extra{index}.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
            # a lone surrogate is written as the bytes it stands for: not UTF-8, which the loader must refuse
            path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
        try:
            report = check_project(kb)
        except InputError as error:  # e.g. parameters.yaml gone
            assert error.problems
            return
        assert all(p.span.file and p.code for p in report.problems)
        report.render()
