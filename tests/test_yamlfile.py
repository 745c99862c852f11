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


# ---------------------------------------------------------------- hostile input (issue 15)


def _refused(text: str) -> list:
    with pytest.raises(InputError) as error:
        parse_document(text, "f.yaml")
    return error.value.problems


def test_an_alias_bomb_is_refused_at_the_first_alias_without_expanding_it():
    levels = "".join(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 12))
    problems = _refused("l0: &l0 [lol, lol]\n" + levels)
    assert {p.code for p in problems} == {"alias"}
    assert (problems[0].span.line, problems[0].span.column) == (2, 10)


def test_a_recursive_alias_is_a_clear_error_not_a_recursion_error():
    (problem,) = _refused("a: &x [1, *x]\n")
    assert problem.code == "alias" and "*x" in problem.message and problem.span.line == 1


@pytest.mark.parametrize("depth", [65, 200_000])
def test_deep_nesting_is_refused_before_any_recursion(depth):
    (problem,) = _refused("[" * depth + "]" * depth)  # libyaml itself stops at 1,000 levels, when it sees them
    assert problem.code in ("too-deep", "yaml-syntax") and problem.span.line == 1 and "depth" in problem.message


def test_control_characters_and_nul_bytes_are_refused_with_their_position():
    problems = _refused("a: 1\nb: x\x01y\n\nc: \x00\n")
    assert [(p.span.line, p.span.column) for p in problems] == [(2, 5), (4, 4)]
    assert "U+0001" in problems[0].message and "NUL" in problems[1].message


def test_escaped_terminal_sequences_in_text_are_refused():
    (problem,) = _refused('title: "\\e[31mred\\x9b"\n')
    assert "U+001B" in problem.message and problem.span.line == 1


@pytest.mark.parametrize("text, words", [
    ("date: 2025-13-45\n", "not a valid date"),
    ("n: !!int abc\n", "not a number"),
    ("d: !!timestamp x\n", "not a valid date"),
    ("b: !!bool maybe\n", "not true or false"),
    ("x: !!binary aGVsbG8=\n", "tag:yaml.org,2002:binary"),
    ("x: !custom 3\n", "tag !custom"),
    ("x: !!set {a, b}\n", "tag:yaml.org,2002:set"),
    ("base: {a: 1}\nx:\n  <<: {b: 2}\n", "merge keys"),
])
def test_values_yaml_cannot_construct_are_problems_with_a_position(text, words):
    (problem,) = _refused(text)
    assert words in problem.message and problem.span.line >= 1 and problem.span.column >= 1


@pytest.mark.parametrize("text", ["2025-01-01: 1\n", "!!int 5: 1\n", "1: x\n", "true: x\n", "~: x\n",
                                  "? [a]\n: x\n", "? {a: 1}\n: x\n"])
def test_keys_must_be_text(text):
    (problem,) = _refused(text)
    assert problem.code == "bad-key" and problem.span.line == 1


@pytest.mark.parametrize("literal", ["0x14", "017", "0b101", "1:20", "1:20.5", "+0x1F"])
def test_numbers_not_written_in_decimal_are_refused(literal):
    (problem,) = _refused(f"territory_ceded_pct: {literal}\n")
    assert problem.code == "bad-number" and "decimal" in problem.message
    assert parse_document(f"t: '{literal}'\n", "f.yaml").data == {"t": literal}  # quoted, it is text


@pytest.mark.parametrize("literal", [".inf", "-.inf", ".nan", ".NaN", "1.0e+20", "9" * 5000, "-1" + "0" * 16])
def test_infinite_and_enormous_numbers_are_refused(literal):
    (problem,) = _refused(f"at_most: {literal}\n")
    assert problem.span.line == 1 and ("finite" in problem.message or "beyond" in problem.message)
    assert len(problem.message) < 200


def test_decimal_numbers_read_as_before():
    doc = parse_document("a: 20\nb: -3\nc: 0.5\nd: 1_000_000\ne: 1.5e+3\nf: 0\ng: yes\nh: 2025-01-02\n", "f.yaml")
    assert doc.data == {"a": 20, "b": -3, "c": 0.5, "d": 1000000, "e": 1500.0, "f": 0, "g": True,
                        "h": __import__("datetime").date(2025, 1, 2)}


def test_a_second_document_is_refused():
    (problem,) = _refused("a: 1\n---\nb: 2\n")
    assert problem.code == "yaml-syntax" and problem.span.line == 2


def test_problems_past_the_cap_are_counted_not_kept():
    from ppexpert.knowledge.yamlfile import MAX_PROBLEMS
    with pytest.raises(InputError) as error:
        parse_document("".join(f"k: {i}\n" for i in range(MAX_PROBLEMS + 11)), "f.yaml")
    assert len(error.value.problems) == MAX_PROBLEMS and error.value.omitted == 10
    text = error.value.render()
    assert text.endswith(f"{MAX_PROBLEMS + 10:,} errors found.") and "more problems not shown" in text
    assert text.count("duplicate key") == 50


def test_files_that_are_not_regular_files_are_refused_without_being_opened(tmp_path):
    import os
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    for path, words in [(fifo, "not a regular file"), (tmp_path, "is a folder"), (loop, "cannot read"),
                        ("/dev/zero", "not a regular file")]:
        with pytest.raises(InputError) as error:
            load_document(path)
        (problem,) = error.value.problems
        assert words in problem.message and problem.span.line == 0


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path):
    from ppexpert.knowledge.yamlfile import MAX_FILE_BYTES
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputError) as error:
        load_document(big)
    assert error.value.problems[0].code == "file-too-large"


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(InputError) as error:
        load_document(bad)
    (problem,) = error.value.problems
    assert (problem.span.line, problem.span.column) == (2, 7) and "UTF-8" in problem.message
