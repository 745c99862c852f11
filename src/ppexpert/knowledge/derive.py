"""Derived inputs: values computed from scenario inputs and baselines before the engine runs.

durable_rules must never compare one fact's field with another's (ENGINE-NOTES: relational joins
crash), so ratios such as "the cap as a share of today's force" are computed here, once, and asserted
as plain inputs. Each derivation names what it reads; the trace links them.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from typing import Any, Callable

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import normalise_number
from ppexpert.knowledge.inputs import InputValue, LoadedScenario
from ppexpert.knowledge.model import NOT_ADDRESSED, NOT_APPLICABLE, UNKNOWN

_PERSONNEL = "ua.armed-forces.personnel"
_RUSSIAN_FORCE = "ru.armed-forces.deployed-in-ukraine"
_ZNPP_CAPACITY = "ua.energy.znpp-capacity"


def _cap_troops(cap: Any, personnel: Any, _russian: Any) -> Any:
    if "troops" in cap:
        return int(cap["troops"])
    return round(cap["pct_of_current"] * personnel / 100)


def _cap_pct(cap: Any, personnel: Any, _russian: Any) -> Any:
    if "pct_of_current" in cap:
        return float(cap["pct_of_current"])
    return cap["troops"] * 100 / personnel


def _cap_vs_russian(cap: Any, personnel: Any, russian: Any) -> Any:
    return _cap_troops(cap, personnel, russian) * 100 / russian


def _npp_lost(share: Any, capacity: Any) -> Any:
    return round((100 - share) * capacity / 100)


# derived parameter -> (what it reads, how). A cap of null (no cap) derives null; anything unknown derives unknown.
DERIVATIONS: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
    "military_cap_troops": (("military_cap", _PERSONNEL, _RUSSIAN_FORCE), _cap_troops),
    "military_cap_pct": (("military_cap", _PERSONNEL, _RUSSIAN_FORCE), _cap_pct),
    "military_cap_vs_russian_force_pct": (("military_cap", _PERSONNEL, _RUSSIAN_FORCE), _cap_vs_russian),
    "npp_capacity_lost_mw": (("npp_ukraine_power_share_pct", _ZNPP_CAPACITY), _npp_lost),
}


def derived_value(name: str, values: list[Any]) -> Any:
    """One derived input from the values it reads (the scenario input first, then baselines).

    Shares are not rounded (rounding belongs to presentation: a cap of 600,001 troops is above a Russian force of
    600,000); only the float's form is made one the engine reads (no exponent, see normalise_number).
    """
    if values[0] is None:
        return None  # no cap derives no cap, whatever the baselines (even unknown on the day assessed)
    if isinstance(values[0], str) and values[0] in (NOT_ADDRESSED, NOT_APPLICABLE):
        return values[0]  # what the input says carries over
    if any(isinstance(v, str) and v == UNKNOWN for v in values):
        return UNKNOWN
    value = DERIVATIONS[name][1](*values)
    if isinstance(value, float) and 1e-4 <= abs(value) < 1e15 and not value.is_integer():
        return value
    return normalise_number(value)


def derive_inputs(loaded: LoadedScenario, kb: KnowledgeBase) -> dict[str, InputValue]:
    derived = {}
    for name, parameter in kb.sorted_parameters():
        if name in DERIVATIONS and parameter.derived:
            reads, _compute = DERIVATIONS[name]
            values = [loaded.inputs[r].value if r in loaded.inputs else loaded.baselines[r].value for r in reads]
            value = derived_value(name, values)
            span = loaded.inputs[reads[0]].span
            derived[name] = InputValue(name, value, span, "derived", loaded.inputs[reads[0]].point,
                                       derived_from=reads, formula=parameter.formula)
        elif parameter.member_of is not None and parameter.member_of in loaded.inputs \
                and name in listed_parameters(kb):
            derived[name] = _set_member(loaded.inputs[parameter.member_of], name.rsplit(".", 1)[1], parameter)
    for name, (group, compute, _reads) in sorted(GROUP_DERIVATIONS.items()):
        parameter = kb.parameters.get(name)
        if parameter is None or name in loaded.inputs:
            continue
        if parameter.derived_when and not stated_under(group, loaded.inputs):
            if parameter.derived:  # derived only from the group, which this scenario does not give: the
                # rules keyed on it (the region-by-region forms) do not arise; those keyed on the dial decide, and
                # no input a scenario could state would settle it, so it is not an unknown to enumerate
                derived[name] = InputValue(name, NOT_APPLICABLE, loaded.scenario.span, "not-stated",
                                           formula=parameter.formula)
            continue
        value, reads = compute(loaded, kb)
        reads = tuple(r for r in reads if r in loaded.inputs or r in loaded.baselines)
        first = next((loaded.inputs[r] for r in reads if r in loaded.inputs), None)
        span = first.span if first is not None else loaded.scenario.span
        derived[name] = InputValue(name, normalise_number(value), span, "derived",
                                   first.point if first is not None else None, derived_from=reads,
                                   formula=parameter.formula)
    return derived


def with_inputs(loaded: LoadedScenario, kb: KnowledgeBase, values: dict[str, Any]) -> LoadedScenario:
    """The scenario with these inputs set (values as the loader holds them) and everything derived again: what a
    sweep, a map or a what-if assesses. Setting an input the scenario derives from a group it states (the territory
    share from the regions) sets that group aside, as a scenario would that wrote the input instead of the group
    (a scenario may not state both); the other inputs derived from the group are then unknown, as they would be."""
    span = loaded.scenario.span
    inputs = {k: v for k, v in loaded.inputs.items() if v.origin != "derived"}
    for name, value in values.items():
        parameter = kb.parameters.get(name)
        source = parameter.derived_when if parameter is not None else None
        if not source or value == UNKNOWN or not stated_under(source, inputs):
            continue
        for other in [k for k in inputs if k == source or k.startswith(source + ".")]:
            inputs[other] = InputValue(other, UNKNOWN, inputs[other].span, "not-stated")
        for other, spec in kb.parameters.items():
            if spec.derived_when == source and not spec.derived and other not in inputs:
                inputs[other] = InputValue(other, UNKNOWN, span, "not-stated")
    for name, value in values.items():
        previous = inputs.get(name) or InputValue(name, UNKNOWN, span, "not-stated")
        inputs[name] = dataclasses.replace(previous, value=value, origin="scenario")
    changed = dataclasses.replace(loaded, inputs=inputs)
    changed.inputs.update(derive_inputs(changed, kb))
    return changed


def _set_member(parent: InputValue, word: str, parameter) -> InputValue:
    """`guarantee.guarantors.russia`: true when the set holds the word; a special value carries over."""
    value = parent.value
    member = value if not isinstance(value, list) else word in value
    return InputValue(parameter.id, member, parent.span, "derived", parent.point, derived_from=(parent.name,),
                      formula=parameter.formula)


def stated_under(prefix: str, inputs: dict[str, InputValue]) -> bool:
    """Whether the scenario states some input of a group, or a parameter, named `prefix` (or below it)."""
    return any(value.origin == "scenario" and (name == prefix or name.startswith(prefix + "."))
               for name, value in inputs.items())


# ---------------------------------------------------------------- territory, region by region

TERRITORY = "territory"
_TOTAL_AREA = "ua.regions.total-area"
RECOGNISED = ("recognised-de-facto", "recognised-de-jure")
_HELD_BY_RUSSIA = ("frozen", "deferred", *RECOGNISED)


def _value(loaded: LoadedScenario, name: str) -> Any:
    found = loaded.inputs.get(name)
    return found.value if found is not None else UNKNOWN


def region_shares(loaded: LoadedScenario, kb: KnowledgeBase, region: str) -> tuple[float, float]:
    """(occupied, held): the region's occupied part and the part Ukraine holds, each as a share of Ukraine (%),
    from the cited baselines ua.regions.<region>-area and ua.regions.<region>-occupied."""
    total = loaded.baselines[_TOTAL_AREA].value
    area = loaded.baselines[f"ua.regions.{region}-area"].value
    occupied_pct = loaded.baselines[f"ua.regions.{region}-occupied"].value
    occupied = area * occupied_pct / total
    return occupied, area * 100 / total - occupied


def _regions(kb: KnowledgeBase) -> list[str]:
    group = kb.groups.get(TERRITORY)
    return list(group.each or {}) if group is not None else []


def _region_reads(kb: KnowledgeBase, fields: tuple[str, ...], baselines: bool = True) -> tuple[str, ...]:
    reads = tuple(f"{TERRITORY}.{r}.{f}" for r in _regions(kb) for f in fields)
    if baselines:
        reads += tuple(f"ua.regions.{r}-{k}" for r in _regions(kb) for k in ("area", "occupied")) + (_TOTAL_AREA,)
    return reads


def _recognised_by_nobody(loaded: LoadedScenario, region: str) -> bool:
    """`recognised_by: []`: whatever becomes of the region's control (its status may be left open), nobody
    recognises it as Russian, so it counts towards no recognised share."""
    return _value(loaded, f"{TERRITORY}.{region}.recognised_by") == []


def _russian_share(loaded, kb, region: str, counted: tuple[str, ...]) -> Any:
    """The share of Ukraine (%) in this region that the plan leaves to Russia with a status in `counted`: the
    occupied part, if the region's status is counted, and the part Ukraine holds, when Ukraine withdraws from it and
    the status of the ground it leaves is counted. Silence on a region (not_addressed) leaves the occupation as it
    is, unrecognised; not_applicable counts nothing."""
    status = _value(loaded, f"{TERRITORY}.{region}.status")
    if status == NOT_ADDRESSED:
        status = "frozen"
    if status == UNKNOWN:
        only_recognised = not set(counted) - set(RECOGNISED)
        return 0.0 if only_recognised and _recognised_by_nobody(loaded, region) else UNKNOWN
    occupied, held = region_shares(loaded, kb, region)
    occupied = occupied if status in counted else 0.0
    withdrawal = _withdrawal(loaded, region, status)
    if held <= 0 or withdrawal in (False, None, NOT_ADDRESSED, NOT_APPLICABLE):
        return occupied
    left = _withdrawal_status(loaded, region, status)
    if left != UNKNOWN:
        left_counted = left in counted
    else:  # counted whatever it is, when every status it could take is counted
        left_counted = set(kb.parameters[f"{TERRITORY}.{region}.withdrawal_status"].choices) <= set(counted) or UNKNOWN
    if withdrawal is not True:  # open: the held part may or may not go
        return occupied if left_counted is False else UNKNOWN
    return UNKNOWN if left_counted == UNKNOWN else occupied + held if left_counted else occupied


def _withdrawal_status(loaded: LoadedScenario, region: str, status: Any) -> Any:
    """The status of the ground Ukraine leaves in a region: its own where the plan gives one (the 28-point plan's
    Donetsk buffer is recognised in law while the rest of the region is recognised de facto), else the region's."""
    found = loaded.inputs.get(f"{TERRITORY}.{region}.withdrawal_status")
    if found is None or found.value in (NOT_ADDRESSED, NOT_APPLICABLE):
        return status
    return found.value


def _withdrawal(loaded: LoadedScenario, region: str, status: Any) -> Any:
    """Whether Ukraine withdraws from the ground it holds in the region. Left out, it is false where nothing
    changes hands (restored, frozen, deferred or unsaid) and unknown where the region is recognised as Russian."""
    found = loaded.inputs.get(f"{TERRITORY}.{region}.withdrawal")
    if found is not None:
        return found.value
    return UNKNOWN if status in RECOGNISED else False


def _sum_regions(counted: tuple[str, ...]):
    def compute(loaded, kb):
        parts = [_russian_share(loaded, kb, region, counted) for region in _regions(kb)]
        value = UNKNOWN if UNKNOWN in parts else round(sum(parts), 1)
        return value, _region_reads(kb, ("status", "withdrawal", "withdrawal_status"))
    return compute


def _withdrawal_share(loaded, kb):
    parts = []
    for region in _regions(kb):
        status = _value(loaded, f"{TERRITORY}.{region}.status")
        withdrawal = _withdrawal(loaded, region, status)
        _occupied, held = region_shares(loaded, kb, region)
        if status == "restored" or held <= 0 or withdrawal in (False, None, NOT_ADDRESSED, NOT_APPLICABLE):
            parts.append(0.0)
        elif withdrawal is True:
            parts.append(held)
        else:
            parts.append(UNKNOWN)
    value = UNKNOWN if UNKNOWN in parts else round(sum(parts), 1)
    return value, _region_reads(kb, ("status", "withdrawal"))


def _any_withdrawal(loaded, kb):
    share, reads = _withdrawal_share(loaded, kb)
    return (UNKNOWN if share == UNKNOWN else share > 0), reads


_STRENGTH = {"none": 0, "de-facto": 1, "de-jure": 2}


def _recognition(loaded, kb):
    """The strongest recognition the plan gives any region: none, de-facto or de-jure."""
    best, open_ = 0, False
    for region in _regions(kb):
        status = _value(loaded, f"{TERRITORY}.{region}.status")
        if status == UNKNOWN and not _recognised_by_nobody(loaded, region):
            open_ = True
        for given in (status, _left_status(loaded, region, status)):
            open_ = open_ or (given == UNKNOWN and status != UNKNOWN)
            if given in RECOGNISED:
                best = max(best, _STRENGTH[given.removeprefix("recognised-")])
    value = UNKNOWN if open_ and best < 2 else {v: k for k, v in _STRENGTH.items()}[best]
    return value, _region_reads(kb, ("status", "withdrawal", "withdrawal_status"), baselines=False)


def _left_status(loaded: LoadedScenario, region: str, status: Any) -> Any:
    """The status of the ground Ukraine leaves in the region: None where it leaves none, and unknown where whether
    it leaves any is open and that ground could be recognised apart from the region."""
    withdrawal = _withdrawal(loaded, region, status)
    left = _withdrawal_status(loaded, region, status)
    if withdrawal is True:
        return left
    open_ = withdrawal == UNKNOWN and left != status and (left == UNKNOWN or left in RECOGNISED)
    return UNKNOWN if open_ else None


def _recognised_by(who: str):
    """Whether some region is recognised (de facto or de jure) by `who` under the plan."""
    def compute(loaded, kb):
        found, open_ = False, False
        for region in _regions(kb):
            status = _value(loaded, f"{TERRITORY}.{region}.status")
            by = _value(loaded, f"{TERRITORY}.{region}.recognised_by")
            if status == UNKNOWN:
                open_ = open_ or by != []
                continue
            left = _left_status(loaded, region, status)
            recognised = status in RECOGNISED or left in RECOGNISED
            if not recognised and left != UNKNOWN:
                continue
            if by == UNKNOWN:
                open_ = True
            elif isinstance(by, list) and who in by:
                if recognised:
                    found = True
                else:  # the ground Ukraine may leave could be recognised
                    open_ = True
        return (True if found else UNKNOWN if open_ else False), _region_reads(
            kb, ("status", "withdrawal", "withdrawal_status", "recognised_by"), baselines=False)
    return compute


# ---------------------------------------------------------------- the EU path against the status quo

_EU_RANK = {"eligible": 1, "candidate": 2, "negotiations": 3, "fixed-date": 4, "member": 5}
# the baselines that record each stage Ukraine has reached (value true, holds_for "from <date>"), highest first
_EU_STAGES = (("intl.eu.ukraine-negotiating", 3), ("intl.eu.ukraine-candidate", 2))


def _since(kb: KnowledgeBase, baseline_id: str) -> _dt.date:
    text = kb.baselines[baseline_id].holds_for.removeprefix("from").strip()
    return _dt.date.fromisoformat(text[:10])


def _eu_vs_status_quo(loaded, kb):
    """below, same or above Ukraine's EU status on the plan's date (today's when the scenario has no date):
    eligible (it may apply, Art. 49 TEU) < candidate (23 Jun 2022) < negotiations (25 Jun 2024) < a fixed date."""
    reads = ("eu_accession",) + tuple(b for b, _ in _EU_STAGES)
    value = _value(loaded, "eu_accession")
    if value in (UNKNOWN, NOT_APPLICABLE):
        return value, reads
    if value in ("none", NOT_ADDRESSED):
        return "same", reads
    on = loaded.scenario.date or _dt.date.max
    now = next((rank for baseline, rank in _EU_STAGES if baseline in loaded.baselines
                and loaded.baselines[baseline].value is True and _since(kb, baseline) <= on), _EU_RANK["eligible"])
    plan = _EU_RANK[value]
    return ("below" if plan < now else "same" if plan == now else "above"), reads


def _territory_reads(kb):
    return _region_reads(kb, ("status", "withdrawal", "withdrawal_status", "recognised_by"))


def _same_as(name: str, mapping: dict | None = None):
    """A parameter written today both as a single parameter and inside a group: the group's field decides."""
    def compute(loaded, kb):
        value = _value(loaded, name)
        return (mapping.get(value, value) if mapping and isinstance(value, str) else value), (name,)
    return compute


# derived parameter -> (the group or parameter it is derived from, how, what it may read: for the checker)
GROUP_DERIVATIONS: dict[str, tuple[str, Callable[[LoadedScenario, KnowledgeBase], tuple[Any, tuple]], Callable]] = {
    "territory_ceded_pct": (TERRITORY, _sum_regions(_HELD_BY_RUSSIA), _territory_reads),
    "territory_recognised_pct": (TERRITORY, _sum_regions(RECOGNISED), _territory_reads),
    "territory_recognised_de_jure_pct": (TERRITORY, _sum_regions(("recognised-de-jure",)), _territory_reads),
    "territory_withdrawal_pct": (TERRITORY, _withdrawal_share, _territory_reads),
    "withdrawal_from_held_territory": (TERRITORY, _any_withdrawal, _territory_reads),
    "recognition_of_annexation": (TERRITORY, _recognition, _territory_reads),
    "recognition_by_us": (TERRITORY, _recognised_by("united-states"), _territory_reads),
    "election_within_days": ("sequence.elections.within_days", _same_as("sequence.elections.within_days"),
                             lambda kb: ("sequence.elections.within_days",)),
    "nato_troops_barred": ("alignment.foreign_troops", _same_as("alignment.foreign_troops", {
        "allowed": False, "nato-barred": True, "all-barred": True, "with-guarantors-consent": True}),
        lambda kb: ("alignment.foreign_troops",)),
    "eu_accession_vs_status_quo": ("", _eu_vs_status_quo,
                                   lambda kb: ("eu_accession",) + tuple(b for b, _ in _EU_STAGES)),
}


def derivation_reads(kb: KnowledgeBase, name: str) -> tuple[str, ...]:
    """Every input and baseline a derived parameter may read."""
    if name in DERIVATIONS:
        return DERIVATIONS[name][0]
    if name in GROUP_DERIVATIONS:
        return tuple(GROUP_DERIVATIONS[name][2](kb))
    parameter = kb.parameters.get(name)
    return (parameter.member_of,) if parameter is not None and parameter.member_of else ()


def has_derivation(parameter) -> bool:
    return parameter.id in DERIVATIONS or parameter.id in GROUP_DERIVATIONS or parameter.member_of is not None


def listed_parameters(kb: KnowledgeBase) -> set[str]:
    """The group parameters (and set members) a scenario lists even when it leaves them out: those some rule
    reads. Others would only lengthen every report; a derivation reads a missing one as unknown."""
    cached = kb.__dict__.get("_listed_group_parameters")
    if cached is None:
        cached = set()
        for rule in kb.rules:
            cached.update(c.subject for c in rule.when + rule.unless if c.subject_kind == "input")
            cached.update(re.findall(r"\{([A-Za-z0-9_.\-]+)(?::[^{}]*)?\}", rule.because))
        kb.__dict__["_listed_group_parameters"] = cached
    return cached
