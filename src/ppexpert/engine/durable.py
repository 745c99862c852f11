"""The adapter around durable_rules 2.0.28: the only module that imports it.

Built around the sharp edges measured in ENGINE-NOTES.md:
- one Host per process, its timer threads switched off (they race with synchronous runs);
- each compiled ruleset registered once, under its content hash (names cannot be re-registered);
- a fresh state (sid) per assessment, deleted afterwards; one lock per ruleset (the GIL is never released);
- every action generated here: it records the firing and asserts the conclusion once (a duplicate
  assertion raises), and an exception inside it is caught, kept and raised after the call instead of
  being swallowed into the state;
- conclusions are collected by the actions, never read back with get_facts;
- deleting a state in which no action ever ran segfaults (measured with 2.0.28), so every run asserts a start
  fact that one generated rule always matches.
"""
from __future__ import annotations

import datetime
import gc
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

try:
    import durable.engine as _durable
except ImportError as error:  # Python 3.13: durable-rules 2.0.28 builds but fails to import
    _durable = None
    _IMPORT_ERROR = error
else:
    _IMPORT_ERROR = None

    def _unix_now() -> float:
        """durable_rules' clock without `datetime.utcfromtimestamp`, deprecated since Python 3.12, which its
        own `_unix_now` calls on every dispatch (127,575 DeprecationWarnings in one test run on 3.12). Same value:
        local wall time minus the naive Unix epoch, in seconds."""
        return (datetime.datetime.now() - _EPOCH).total_seconds()

    _EPOCH = datetime.datetime(1970, 1, 1)
    _durable._unix_now = _unix_now  # the warnings stopped where they arise, not hidden by a filter

from ppexpert.engine.compile import (
    SINK_RULE,
    START_FACT,
    START_RULE,
    CompiledRuleset,
    encode_conclusion,
)
from ppexpert.knowledge.problems import EngineFailure


@dataclass(frozen=True)
class Firing:
    """One rule activation: which facts it matched (in condition order) and what it concluded."""

    order: int
    rule: str
    premises: tuple[dict, ...]  # shared with the run's facts: read, never change
    conclusion: dict  # the conclusion fact (with its id), shared by the rule's firings: read, never change
    new: bool  # False when an earlier firing had already asserted the same conclusion


@dataclass
class _Run:
    firings: list[Firing] = field(default_factory=list)
    asserted: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    known: dict[str, dict] = field(default_factory=dict)  # fact id -> the fact as asserted (premises share it)


if _durable is not None:
    class _QuietHost(_durable.Host):
        """A Host without its two timer threads: we run every assessment synchronously."""

        def _run(self) -> None:
            pass


class Engine:
    """Runs compiled rulesets; safe to share between threads (runs of one ruleset are serialised)."""

    def __init__(self) -> None:
        if _durable is None:
            raise EngineFailure(f"durable_rules cannot be imported on this Python ({_IMPORT_ERROR}); "
                                "ppexpert supports Python 3.11 and 3.12")
        self._host = _QuietHost()
        self._registered: dict[str, CompiledRuleset] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._current: dict[str, _Run] = {}
        self._registry_lock = threading.Lock()
        self._sids = itertools.count(1)

    def _register(self, ruleset: CompiledRuleset) -> threading.Lock:
        with self._registry_lock:
            if ruleset.name not in self._registered:
                # durable_rules deletes "run" from each rule it is given and only reads the rest
                definition = {rule_id: dict(rule) for rule_id, rule in ruleset.definition.items()}
                collecting = gc.isenabled()
                gc.disable()  # thousands of long-lived closures: collections scanning them are wasted work
                try:
                    for rule_id, rule in definition.items():
                        rule["run"] = self._action(ruleset, rule_id)
                    self._host.set_rulesets({ruleset.name: definition})
                finally:
                    if collecting:
                        gc.enable()
                self._registered[ruleset.name] = ruleset
                self._locks[ruleset.name] = threading.Lock()
            return self._locks[ruleset.name]

    def _action(self, ruleset: CompiledRuleset, rule_id: str):
        if rule_id in (SINK_RULE, START_RULE):
            return lambda c: None
        names = tuple(f"c{index}" for index in range(len(ruleset.definition[rule_id]["all"])))
        conclusion = encode_conclusion(ruleset.conclusions[rule_id])
        conclusion_id = conclusion["id"]
        # A conclusion no pattern can match is recorded, not asserted: in the engine it could only reach the sink,
        # and each assertion is a crossing into C (two thirds of 4,000 rules' first assessment).
        asserted = not SKIP_UNREAD or _may_match(ruleset, conclusion)

        def act(c: Any) -> None:
            run = self._current[ruleset.name]
            try:
                # The matched facts by id, as asserted: no copy of what durable_rules parsed back from JSON.
                matched, known = c._m, run.known
                premises = tuple(known.get(matched[name]["id"]) or _plain(matched[name]) for name in names)
                new = conclusion_id not in run.asserted
                run.firings.append(Firing(len(run.firings), rule_id, premises, conclusion, new))
                if new:
                    run.asserted.add(conclusion_id)
                    known[conclusion_id] = conclusion
                    if asserted:
                        c.assert_fact(dict(conclusion))
            except BaseException as error:  # noqa: BLE001 - durable_rules would swallow it silently
                run.errors.append(f"{rule_id}: {type(error).__name__}: {error}")

        return act

    def run(self, ruleset: CompiledRuleset, facts: list[dict]) -> list[Firing]:
        """Assert `facts` into a fresh state and forward-chain to the end; return every firing."""
        lock = self._register(ruleset)
        with lock:
            sid = f"s{next(self._sids)}"
            run = _Run(known={fact["id"]: fact for fact in facts})
            self._current[ruleset.name] = run
            try:
                self._host.assert_facts(ruleset.name, [{**fact, "sid": sid} for fact in [*facts, START_FACT]])
                state = self._host.get_state(ruleset.name, sid)
            except Exception as error:
                raise EngineFailure(f"durable_rules failed: {type(error).__name__}: {error}") from error
            finally:
                self._current.pop(ruleset.name, None)
                try:
                    self._host.delete_state(ruleset.name, sid)
                except Exception:  # noqa: BLE001 - a state that was never created cannot be deleted
                    pass
            if run.errors or state.get("exception"):
                raise EngineFailure("; ".join(run.errors) or str(state.get("exception")))
            return run.firings


    def run_bare(self, ruleset: CompiledRuleset, facts: list[dict]) -> int:
        """durable_rules alone, for the benchmark's baseline: the same facts into the same rules, registered a
        second time with the least an action can do (assert its conclusion once); returns the number of firings."""
        name = ruleset.name + "_bare"
        with self._registry_lock:
            if name not in self._registered:
                definition = {rule_id: dict(rule) for rule_id, rule in ruleset.definition.items()}
                for rule_id, rule in definition.items():
                    rule["run"] = self._bare_action(name, ruleset, rule_id)
                self._host.set_rulesets({name: definition})
                self._registered[name] = ruleset
                self._locks[name] = threading.Lock()
        with self._locks[name]:
            sid = f"s{next(self._sids)}"
            run = self._current[name] = _Run()
            try:
                self._host.assert_facts(name, [{**fact, "sid": sid} for fact in [*facts, START_FACT]])
            finally:
                self._current.pop(name, None)
                self._host.delete_state(name, sid)
            return len(run.firings)

    def _bare_action(self, name: str, ruleset: CompiledRuleset, rule_id: str):
        if rule_id in (SINK_RULE, START_RULE):
            return lambda c: None
        conclusion = encode_conclusion(ruleset.conclusions[rule_id])

        def act(c: Any) -> None:
            run = self._current[name]
            run.firings.append(rule_id)
            if conclusion["id"] not in run.asserted:
                run.asserted.add(conclusion["id"])
                c.assert_fact(dict(conclusion))

        return act


SKIP_UNREAD = True  # tests turn it off to compare the firings with every conclusion asserted


def _may_match(ruleset: CompiledRuleset, conclusion: dict) -> bool:
    """Whether some condition of the ruleset may match the conclusion fact: one that tests `t` is "c" and, when it
    also tests `cid` or `k` for equality, tests this conclusion's. Anything of another shape counts as a match."""
    tests = _conclusion_tests(ruleset)
    return tests is None or ("cid", conclusion["cid"]) in tests or ("k", conclusion["k"]) in tests or None in tests


def _conclusion_tests(ruleset: CompiledRuleset) -> set | None:
    """("cid", id) and ("k", kind) of every condition on conclusions (None for one testing neither); None when
    some condition has a shape this does not read (then every conclusion is asserted)."""
    cached = _TESTS.get(ruleset.name, False)
    if cached is not False:
        return cached
    found: set | None = set()
    for rule_id, rule in ruleset.definition.items():
        if rule_id in (SINK_RULE, START_RULE):
            continue
        for condition in rule["all"]:
            (pattern,) = condition.values()
            parts = pattern.get("$and") if isinstance(pattern, dict) and len(pattern) == 1 else None
            first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], dict) else None
            if first is None or set(first) != {"t"} or not isinstance(first["t"], str):
                found = None
                break
            if first["t"] != "c":
                continue
            keys = [(key, part[key]) for part in parts[1:2] if isinstance(part, dict) and len(part) == 1
                    for key in part if key in ("cid", "k") and isinstance(part[key], str)]
            found.add(keys[0] if keys else None)
        if found is None:
            break
    _TESTS[ruleset.name] = found
    return found


_TESTS: dict[str, set | None] = {}


def _plain(content: Any) -> dict:
    data = getattr(content, "_d", content)
    return {k: v for k, v in dict(data).items() if k != "sid"}


_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()


def shared_engine() -> Engine:
    """The process's one engine (one durable_rules Host per process)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
        return _ENGINE
