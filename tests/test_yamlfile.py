import pytest

from ppexpert.knowledge.problems import InputError
from ppexpert.knowledge.yamlfile import load_document, parse_document


def test_every_node_keeps_its_line_and_column():
    doc = parse_document("a:\n  b: 1\n  c:\n    - x\n    - y: 2\n", "f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", {"y": 2}]}}
    assert str(doc.span(("a", "b"))) == "f.yaml:2:3"
    assert str(doc.span(("a", "c", 1, "y"))) == "f.yaml:5:7"


def test_a_missing_path_falls_back_to_its_nearest_ancestor():
    doc = parse_document("a:\n  b: 1\n", "f.yaml")
    assert str(doc.span(("a", "nope", 3))) == "f.yaml:1:1"


def test_duplicate_keys_are_rejected_with_both_lines():
    with pytest.raises(InputError) as error:
        parse_document("a: 1\nb: 2\na: 3\n", "f.yaml")
    (problem,) = error.value.problems
    assert problem.code == "duplicate-key"
    assert "first defined on line 1" in problem.message
    assert (problem.span.line, problem.span.column) == (3, 1)


def test_every_duplicate_key_of_a_file_is_reported_in_one_pass():
    with pytest.raises(InputError) as error:
        parse_document("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", "f.yaml")
    assert [p.span.line for p in error.value.problems] == [2, 5]


def test_syntax_errors_point_at_line_and_column():
    with pytest.raises(InputError) as error:
        parse_document("a: [1, 2\nb: 3\n", "f.yaml")
    (problem,) = error.value.problems
    assert problem.code == "yaml-syntax" and problem.span.line >= 1 and problem.span.column >= 1


def test_python_tags_are_refused_because_only_safe_yaml_is_loaded():
    with pytest.raises(InputError) as error:
        parse_document("a: !!python/object/apply:os.system ['true']\n", "f.yaml")
    assert error.value.problems[0].span.line == 1


def test_a_missing_file_is_an_input_error_not_a_traceback(tmp_path):
    with pytest.raises(InputError) as error:
        load_document(tmp_path / "nope.yaml")
    assert error.value.problems[0].code == "missing-file"


def test_an_empty_file_is_an_empty_mapping():
    assert parse_document("", "f.yaml").data == {}
