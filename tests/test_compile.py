"""compile.py: rules become durable_rules ruleset dicts, as pure data."""
import json
import os

import pytest
from _support import MINI_KB, ROOT

from ppexpert import load_knowledge
from ppexpert.engine.compile import (
    LimitError,
    compile_condition,
    compile_rules,
    encode_value,
)
from ppexpert.knowledge.model import Condition, Rule

GOLDEN = ROOT / "tests" / "golden" / "compile-kb-mini.json"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(MINI_KB)


def test_the_mini_knowledge_base_compiles_to_the_golden_ruleset(kb):
    compiled = compile_rules(kb.rules, kb.scale)
    text = json.dumps({"name": compiled.name, "definition": compiled.definition,
                       "conclusions": compiled.conclusions}, indent=2, sort_keys=True) + "\n"
    if os.environ.get("PPEXPERT_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_compiling_is_pure_the_same_rules_give_the_same_name(kb):
    assert compile_rules(kb.rules, kb.scale) == compile_rules(kb.rules, kb.scale)


def test_a_changed_rule_gives_a_new_ruleset_name_because_names_cannot_be_reused(kb):
    changed = [r.model_copy(update={"title": "changed"}) if i == 0 else r for i, r in enumerate(kb.rules)]
    changed[0] = kb.rules[0].model_copy(update={"when": [Condition(input="ceded", above=1)]})
    assert compile_rules(changed, kb.scale).name != compile_rules(kb.rules, kb.scale).name


def test_numbers_words_and_flags_sit_in_separate_fields_so_the_engine_cannot_mix_them():
    assert encode_value("in", "x", 10) == {"id": "in:x", "t": "in", "n": "x", "s": "known", "num": 10}
    assert encode_value("in", "x", "10")["word"] == "10"
    assert encode_value("in", "x", True)["flag"] is True
    assert encode_value("in", "x", None)["s"] == "none"
    assert encode_value("in", "x", "unknown") == {"id": "in:x", "t": "in", "n": "x", "s": "unknown"}


def test_comparisons_only_read_the_number_field(kb):
    pattern = compile_condition(Condition(input="ceded", at_least=7), kb.scale)
    assert pattern == {"$and": [{"t": "in"}, {"n": "ceded"}, {"$gte": {"num": 7}}]}


def test_levels_compare_by_their_rank_on_the_scale(kb):
    pattern = compile_condition(Condition(conclusion="risk.*", at_least="high"), kb.scale)
    assert {"$gte": {"rank": 2}} in pattern["$and"]
    assert {"$neq": {"cid": "risk.overall"}} in pattern["$and"]


def _rule(index: int, conditions: int = 1) -> Rule:
    return Rule.model_validate({"id": f"R-{index}", "title": "t", "rests_on": ["x"], "because": "b",
                                "when": [{"input": "ceded", "above": k} for k in range(conditions)],
                                "then": {"finding": f"f{index}"}})


def test_more_than_32_conditions_in_a_rule_is_refused_before_the_engine_sees_it(kb):
    with pytest.raises(LimitError, match="R-0.*33 conditions.*at most 32"):
        compile_rules([_rule(0, conditions=33)], kb.scale)


def test_more_than_4095_rules_are_refused_before_the_engine_hangs(kb):
    with pytest.raises(LimitError, match="4096 rules exceed"):
        compile_rules([_rule(i) for i in range(4096)], kb.scale)


def test_more_than_256_rules_with_one_identical_pattern_are_refused(kb):
    with pytest.raises(LimitError, match="257 rules share an identical pattern"):
        compile_rules([_rule(i) for i in range(257)], kb.scale)
