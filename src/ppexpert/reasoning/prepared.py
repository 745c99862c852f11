"""The knowledge base prepared for reasoning: loaded and checked once per process (and cached on disk), with
what every assessment against it needs (the compiled ruleset, the settle order, the override chains).
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from ppexpert._version import __version__
from ppexpert.engine.compile import CompiledRuleset, compile_rules
from ppexpert.knowledge.base import KnowledgeBase, find_knowledge
from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.rulegraph import override_chains, overriders, settle_order
from ppexpert.knowledge.yamlfile import file_bytes, file_stamp


_LOADED: OrderedDict[str, tuple[tuple, KnowledgeBase]] = OrderedDict()  # folder -> (its files' stamp, its base)
_LOADED_LOCK = threading.RLock()  # re-entrant: nothing loading a knowledge base should deadlock on it
KEEP_FOLDERS = 8


def _knowledge_cached(root: str, stamp: tuple) -> KnowledgeBase:
    """The knowledge base of the folder `root` as its files stand (`stamp`). One is kept per folder (the eight
    folders used last): a changed file lets the previous one go, where a cache keyed by stamp kept eight versions
    of one folder alive (150 MB each at 4,000 rules). Loading happens under a lock: requests that arrive during a
    reload wait for it rather than load the same files again."""
    with _LOADED_LOCK:
        found = _LOADED.get(root)
        if found is not None and found[0] == stamp:
            _LOADED.move_to_end(root)
            return found[1]
        _LOADED.pop(root, None)  # before loading the new one: the old one's memory can go first
        kb = _from_disk_cache(Path(root))
        _LOADED[root] = (stamp, kb)
        while len(_LOADED) > KEEP_FOLDERS:
            _LOADED.popitem(last=False)
        return kb


KEEP_CACHED = 8  # knowledge-base pickles kept (the most recently used); older ones are stale and pruned


def _cache_dir() -> Path | None:
    """$PPEXPERT_CACHE_DIR, else the platform's user cache folder (~/.cache/ppexpert or $XDG_CACHE_HOME/ppexpert on
    Linux, ~/Library/Caches/ppexpert on macOS, %LOCALAPPDATA%\\ppexpert\\Cache on Windows)."""
    if os.environ.get("PPEXPERT_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    return Path(os.environ.get("PPEXPERT_CACHE_DIR") or platformdirs.user_cache_dir("ppexpert", appauthor=False))


def _prune(folder: Path, keep: int = KEEP_CACHED) -> None:
    """Delete all but the `keep` most recently used pickles, and temporary files an interrupted write left."""
    try:
        pickles = sorted(folder.glob("knowledge-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        leftovers = [p for p in folder.glob("knowledge-*.tmp") if time.time() - p.stat().st_mtime > 3600]
        for path in pickles[keep:] + leftovers:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first, or the folder is read-only


def _code_fingerprint() -> bytes:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    return digest.digest()


def _load_knowledge(root: Path) -> KnowledgeBase:
    # A lazy import, for start-up speed: the checker (and networkx under it) is needed only when the cache misses.
    from ppexpert.check import load_knowledge
    with _collector_paused():
        return _planned(load_knowledge(root))


@contextmanager
def _collector_paused():
    """Python's cycle collector off while a knowledge base is built or unpickled: every object made then lives as
    long as the knowledge base, and collections scanning them were 40% of loading 4,000 rules. Afterwards they are
    moved out of the collector's sight (gc.freeze): the first full collection after loading 4,000 rules scanned
    them all again, in the middle of the first assessment."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _from_disk_cache(root: Path) -> KnowledgeBase:
    """The checked knowledge base, from a pickle keyed by the content of every knowledge file and of this code.

    Loading, validating and checking the YAML is most of a cold start; a changed file or a changed ppexpert
    gives a new key, and any trouble with the cache falls back to loading (PPEXPERT_CACHE=off skips it).
    """
    folder = _cache_dir()
    if folder is None:
        return _load_knowledge(root)
    digest = hashlib.sha256(_code_fingerprint() + str(root).encode())
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + file_bytes(path) + b"\0")
    cached = folder / f"knowledge-{digest.hexdigest()[:32]}.pickle"
    try:
        with cached.open("rb") as handle, _collector_paused():
            kb = pickle.load(handle)
        os.utime(cached)  # used now: pruning keeps the most recently used
        return kb
    except Exception:  # noqa: BLE001 - missing, stale or unreadable: load from the YAML instead
        pass
    kb = _load_knowledge(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, cached)
    except OSError:
        pass  # a read-only home is no reason to fail
    _prune(folder)
    return kb


def _planned(kb: KnowledgeBase) -> KnowledgeBase:
    plan_of(kb)
    return kb


def knowledge_for(root: Path | str | None = None, near: Path | None = None) -> KnowledgeBase:
    """Load the knowledge base once per process, again only when a file changed."""
    root = Path(root) if root is not None else find_knowledge(near)
    stamp = tuple(sorted((str(p), *file_stamp(p)) for p in root.rglob("*.yaml")))
    return _knowledge_cached(str(root.resolve()), stamp)


@dataclass(frozen=True)
class Plan:
    """What every assessment against one knowledge base needs, computed once per process."""

    compiled: CompiledRuleset
    settle_order: tuple[str, ...]
    defeaters: dict[str, tuple[str, ...]]  # rule -> the rules that override it, in knowledge-base order
    tested: frozenset[tuple[str, str]]
    chains: dict[tuple[str, str], tuple[str, ...]]  # (overrider, overridden) -> the rules between them
    asks_unknown: frozenset[str]  # inputs some `when` tests for the value `unknown`
    dated_basis: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule -> its basis provisions with in_force


def basis_of(rule) -> list[str]:
    """The provisions and baselines a rule's conclusion rests on (its legal and factual basis)."""
    return rule.rests_on


def plan_of(kb: KnowledgeBase) -> Plan:
    """Kept on the knowledge base itself, so it lives (and is cached on disk) with it."""
    plan = kb.__dict__.get("_plan")
    if plan is None:
        position = {rule.id: index for index, rule in enumerate(kb.rules)}
        defeaters = {rule: tuple(sorted(found, key=position.get)) for rule, found in overriders(kb.rules).items()}
        # the ruleset the checker compiled, when the rules and scale are still those it checked
        rules, scale, compiled = kb.__dict__.pop("_checked_compiled", ((), None, None))
        if compiled is None or scale is not kb.scale or rules != tuple(kb.rules):
            compiled = compile_rules(kb.rules, kb.scale)
        plan = kb.__dict__["_plan"] = Plan(
            compiled, tuple(settle_order(kb.rules)), defeaters,
            frozenset((c.subject_kind, c.subject) for rule in kb.rules for c in rule.when), override_chains(kb.rules),
            frozenset(c.subject for rule in kb.rules for c in rule.when
                      if c.subject_kind != "conclusion" and UNKNOWN in (c.operand if c.op == "in" else [c.operand])),
            {rule.id: dated for rule in kb.rules
             if (dated := tuple(ref for ref in basis_of(rule) if ref in kb.provisions and kb.provisions[ref].in_force))})
    return plan


def compiled_for(kb: KnowledgeBase) -> CompiledRuleset:
    return plan_of(kb).compiled
