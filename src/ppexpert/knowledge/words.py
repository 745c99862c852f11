"""Knowledge in words, for a reader who does not program: a conclusion as a heading, a value with its unit, an input
by its title, a rule's test as a sentence. Reads the knowledge base only; the explanations (present.readable) and
the sentences of the reasoning (what an unknown input leaves open) are built from these.
"""
from __future__ import annotations

import re
from typing import Any

from ppexpert.knowledge.conditions import show_value, with_unit
from ppexpert.knowledge.model import UNKNOWN, Condition

_OPS = {"is": "is", "is_not": "is not", "in": "is one of", "not_in": "is none of", "at_least": "is at least",
        "at_most": "is at most", "above": "is above", "below": "is below"}


def conclusion_words(kb, conclusion_id: str, level: str | None = None) -> str:
    """A conclusion as a heading: 'Impact on defence capability: high risk', 'Violation of <title>, Art. 73'."""
    kind, _, name = conclusion_id.partition(".")
    if kind == "risk":
        if name == "*":
            return "the risk in any area"
        area = kb.areas.get(name)
        title = area.title if area else name.replace("_", " ").replace("-", " ")
        return f"{title}: {level} risk" if level else f"{title}: risk"
    if kind == "violation":
        citation = kb.citation_of(name)
        return f"Violation of {citation['title']}, {citation['locator']}" if citation else "A violation"
    rule = next((r for r in kb.rules if r.then.conclusion_id == conclusion_id), None)
    label = (rule.then.label if rule and rule.then.label else name.replace("_", " ").replace("-", " "))
    area = kb.areas.get(rule.then.area_id) if rule and rule.then.area_id else None
    return f"{area.title} — {label}" if area else label[:1].upper() + label[1:]


def value_words(kb, name: str, value: Any) -> str:
    """An input's or a fact's value as a reader sees it: units, yes/no, 'not stated', the meaning of none."""
    parameter = kb.parameters.get(name)
    if isinstance(value, str) and value == UNKNOWN:
        return "not stated by the plan"
    if value is None:
        return (parameter.null_means if parameter and parameter.null_means else "none")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        fields = (parameter.fields or {}) if parameter else {}
        return ", ".join(f"{fields[k].title or k.replace('_', ' ')}: {with_unit(v, fields[k].unit)}" if k in fields
                         else f"{str(k).replace('_', ' ')}: {show_value(v)}" for k, v in value.items())
    unit = parameter.unit if parameter else (kb.baselines[name].unit if name in kb.baselines else None)
    if isinstance(value, list):
        return ", ".join(value_words(kb, name, v) for v in value)
    return with_unit(value, unit)


def input_words(kb, name: str, value: Any) -> tuple[str, str]:
    """An input's title and its value in words; a value the plan leaves unknown reads "open (not stated)"."""
    parameter = kb.parameters.get(name)
    title = parameter.title if parameter else name.replace("_", " ")
    if isinstance(value, str) and value == UNKNOWN:
        return title, "open (not stated)"
    return title, value_words(kb, name, value)


def subject_words(kb, condition: Condition) -> str:
    if condition.input is not None:
        parameter = kb.parameters.get(condition.input)
        return parameter.title if parameter else condition.input.replace("_", " ")
    if condition.fact is not None:
        baseline = kb.baseline(condition.fact)
        return baseline.title if baseline else condition.fact
    return conclusion_words(kb, condition.conclusion or "")


def condition_words(kb, condition: Condition) -> str:
    """A rule's test in words: 'Share of Ukraine's territory ... is above 0%'."""
    subject = subject_words(kb, condition)
    if condition.op == "present":
        return f"{subject} holds" if condition.conclusion is None else f"{subject} (it holds)"
    name = condition.input or (kb.baseline(condition.fact).id if condition.fact and kb.baseline(condition.fact)
                               else condition.fact or "")
    if condition.conclusion is not None:  # a level of a risk
        return f"{subject} {_OPS[condition.op]} {show_value(condition.operand)}"
    return f"{subject} {_OPS[condition.op]} {value_words(kb, name, condition.operand)}"


_NAME = re.compile(r"`([^`]+)`|\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


def names_in_words(kb, text: str | None) -> str | None:
    """A formula or a note written for researchers, for a reader: an input's name becomes its title, another
    snake_case or `quoted` name its words ('recognised_by' -> 'recognised by')."""
    if not text:
        return text

    def word(match: re.Match) -> str:
        name = match.group(1) or match.group(0)
        return kb.parameters[name].title if name in kb.parameters else name.replace("_", " ")
    return _NAME.sub(word, text)
