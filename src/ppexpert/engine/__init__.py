"""Compile and run: rules become durable_rules ruleset dicts (a pure function, golden-tested), and the adapter in
`durable.py`, the only module that imports durable_rules, runs them and records every firing.
"""
from ppexpert.engine.compile import (
    CompiledRuleset,
    LimitError,
    compile_rules,
    encode_value,
)
from ppexpert.engine.durable import Engine, Firing, shared_engine

__all__ = ["CompiledRuleset", "LimitError", "compile_rules", "encode_value", "Engine", "Firing", "shared_engine"]
