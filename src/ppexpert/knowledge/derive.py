"""Derived inputs: values computed from scenario inputs and baselines before the engine runs.

durable_rules must never compare one fact's field with another's (ENGINE-NOTES: relational joins
crash), so ratios such as "the cap as a share of today's force" are computed here, once, and asserted
as plain inputs. Each derivation names what it reads; the trace links them.
"""
from __future__ import annotations

from typing import Any, Callable

from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.conditions import normalise_number
from ppexpert.knowledge.inputs import InputValue, LoadedScenario
from ppexpert.knowledge.model import UNKNOWN

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


# derived parameter -> (what it reads, how). A cap of null (no cap) derives null; unknown derives unknown.
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
    if any(isinstance(v, str) and v == UNKNOWN for v in values):
        return UNKNOWN
    if values[0] is None:
        return None
    value = DERIVATIONS[name][1](*values)
    if isinstance(value, float) and 1e-4 <= abs(value) < 1e15 and not value.is_integer():
        return value
    return normalise_number(value)


def derive_inputs(loaded: LoadedScenario, kb: KnowledgeBase) -> dict[str, InputValue]:
    derived = {}
    for name, parameter in sorted(kb.parameters.items()):
        if not parameter.derived or name not in DERIVATIONS:
            continue
        reads, _compute = DERIVATIONS[name]
        values = [loaded.inputs[r].value if r in loaded.inputs else loaded.baselines[r].value for r in reads]
        value = derived_value(name, values)
        span = loaded.inputs[reads[0]].span
        derived[name] = InputValue(name, value, span, "derived", loaded.inputs[reads[0]].point,
                                   derived_from=reads, formula=parameter.formula)
    return derived
