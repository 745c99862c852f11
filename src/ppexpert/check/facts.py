"""Checks of sources, provisions, baselines and claims, and of facts no rule uses."""
from __future__ import annotations

import re

from ppexpert.check._common import _exists, _FileTop, _p, _uncertain, _unknown_source
from ppexpert.knowledge.derive import DERIVATIONS, GROUP_DERIVATIONS, derivation_reads, has_derivation
from ppexpert.knowledge.problems import Problem, suggest


def _check_dated(kb, baseline) -> list[Problem]:
    """Each dated value cites a known source, has the baseline's type, and no two periods overlap."""
    problems = []
    for index, period in enumerate(baseline.dated):
        problems += _unknown_source(kb, period, ("source",), period.source, baseline.id)
        if type(period.value) is not type(baseline.value) and not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in (period.value, baseline.value)):
            problems.append(_p(kb, period, ("value",), f"dated value {period.value!r} has another type than `value`",
                               f"give a value like {baseline.value!r}", "wrong-type", baseline.id, value=True))
        if period.start and period.end and period.end < period.start:
            problems.append(_p(kb, period, ("to",), "the period ends before it starts", "swap `from` and `to`",
                               "bad-shape", baseline.id, value=True))
        for other in baseline.dated[:index]:
            if (period.start is None or other.end is None or period.start <= other.end) and \
                    (other.start is None or period.end is None or other.start <= period.end):
                problems.append(_p(kb, period, (), f"the period {period.shown} overlaps {other.shown}",
                                   "a day takes one value: make the periods meet without overlapping",
                                   "bad-shape", baseline.id))
    return problems


def check_facts(kb) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for source in sorted(kb.sources.values(), key=lambda s: s.id):
        if source.plan_code in seen:
            problems.append(_p(kb, source, ("plan_code",), f"plan code '{source.plan_code}' is also the code of "
                               f"{seen[source.plan_code]}", "give each plan its own code", "duplicate-id", source.id,
                               value=True))
        elif source.plan_code is not None:
            seen[source.plan_code] = source.id
    for provision in kb.provisions.values():  # `source:` sits at the top of the provisions file
        problems += _unknown_source(kb, _FileTop(provision), ("source",), provision.source, provision.id)
    for baseline in kb.baselines.values():
        for index, value in enumerate(baseline.values):
            problems += _unknown_source(kb, value, ("source",), value.source, baseline.id)
        if baseline.values and baseline.values[0].value != baseline.value:
            problems.append(_p(kb, baseline, ("values", 0), "the first source's value differs from `value`",
                               "list first the source whose value the knowledge base uses", "bad-shape", baseline.id))
        problems += _check_dated(kb, baseline)
        if baseline.disputed and not baseline.chosen_because:
            problems.append(_p(kb, baseline, (), "sources disagree but `chosen_because` is missing",
                               "say why the knowledge base uses this value", "missing-key", baseline.id))
    for claim in kb.claims.values():
        problems += _unknown_source(kb, claim, ("source",), claim.source, claim.id)
        for citation in claim.record_sources:
            problems += _unknown_source(kb, citation, ("source",), citation.source, claim.id)
        for index, ref in enumerate(claim.about):
            if not _exists(kb, ref, ("provisions", "baselines", "parameters")):
                problems.append(_p(kb, claim, ("about", index), f"claim {claim.id} is about unknown '{ref}'",
                                   suggest(ref, [*kb.provisions, *kb.baselines, *kb.parameters]),
                                   "unknown-reference", claim.id))
    for parameter in kb.parameters.values():
        if parameter.derived_when and parameter.derived_when not in kb.groups and \
                parameter.derived_when not in kb.parameters and not _uncertain(kb, "parameters", parameter.derived_when):
            problems.append(_p(kb, parameter, ("derived_when",), f"unknown group or parameter '{parameter.derived_when}'",
                               suggest(parameter.derived_when, [*kb.groups, *kb.parameters]), "unknown-reference",
                               parameter.id, value=True))
        if (parameter.derived or parameter.derived_when) and not has_derivation(parameter):
            problems.append(_p(kb, parameter, ("derived" if parameter.derived else "derived_when",),
                               f"no derivation is defined for '{parameter.id}'",
                               f"derivations exist for: {', '.join(sorted({*DERIVATIONS, *GROUP_DERIVATIONS}))}",
                               "unknown-parameter",
                               parameter.id))
    for area in kb.areas.values():
        if area.dial is not None and not _exists(kb, area.dial, ("parameters",)):
            problems.append(_p(kb, area, ("dial",), f"area {area.id} has unknown dial parameter '{area.dial}'",
                               suggest(area.dial, list(kb.parameters)), "unknown-reference", area.id, value=True))
    return problems


def check_unused(kb) -> list[Problem]:
    used: set[str] = set()
    for rule in kb.rules:
        used.update(rule.rests_on)
        used.update(rule.context)
        if rule.then.violation:
            used.add(rule.then.violation)
        used.update(c.subject for c in rule.when + rule.unless if c.subject_kind != "conclusion")
        used.update(re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because))
    for claim in kb.claims.values():
        used.update(claim.about)
    aliases = {b.alias: b.id for b in kb.baselines.values() if b.alias}
    used |= {aliases[name] for name in list(used) if name in aliases}
    for name in [p for p in kb.parameters if p in used]:
        used.update(derivation_reads(kb, name))
    problems = []
    hint = "cite it in a rule's `rests_on` or test it in a `when`; or remove it"
    for provision in kb.provisions.values():
        if provision.id not in used:
            problems.append(_p(kb, provision, (), f"provision {provision.id} is not used by any rule", hint,
                               "unused-fact", provision.id, "warning"))
    for baseline in kb.baselines.values():
        if baseline.id not in used:
            problems.append(_p(kb, baseline, (), f"baseline {baseline.id} is not used by any rule", hint,
                               "unused-fact", baseline.id, "warning"))
    for parameter in kb.parameters.values():
        # A group's fields record a plan's terms whether or not a rule reads them yet (docs/knowledge.md).
        if parameter.id not in used and parameter.group is None:
            problems.append(_p(kb, parameter, (), f"parameter {parameter.id} is not read by any rule",
                               "test it in a rule's `when` or `unless`, or remove it", "unused-fact", parameter.id,
                               "warning"))
    return problems
