"""ppexpert: a rule-based expert system that assesses peace plans against cited law and security baselines.

Public API:
    assess(path_or_mapping, knowledge=None) -> Assessment   (.why(id), .why_not(id), .what_if(id), .to_json())
    compare([plans...], knowledge=None) -> pandas.DataFrame  (a row per conclusion, a column per plan; [notebook])
    load_knowledge(path=None) -> KnowledgeBase
    sweep(plan, vary, sample=None, method=None, seed=None, ...) -> pandas.DataFrame   (the [explore] extra)
    InputError: bad user input; .problems lists every problem with file:line:col.

The package is laid out as the pipeline (docs/architecture.md): knowledge → check → engine → reasoning → present,
with authoring, web and cli on top.
"""
from ppexpert._version import __version__

__all__ = ["assess", "compare", "sweep", "Assessment", "load_knowledge", "KnowledgeBase", "InputError",
           "EngineFailure", "__version__"]

# Imported on first use, for start-up speed: `python -m ppexpert` imports this package first, and a command needs
# only its own part of it (`assess` from a cached knowledge base never loads the checker or networkx).
_LAZY = {"assess": "ppexpert.reasoning", "compare": "ppexpert.reasoning", "Assessment": "ppexpert.reasoning",
         "load_knowledge": "ppexpert.check",
         "KnowledgeBase": "ppexpert.knowledge.base", "InputError": "ppexpert.knowledge.problems",
         "EngineFailure": "ppexpert.knowledge.problems", "sweep": "ppexpert.reasoning.sweep"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib  # lazy, like the names it imports
        if _LAZY[name] == "ppexpert.reasoning":  # an assessment shows its area cards in a notebook
            importlib.import_module("ppexpert.present.notebook")
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ppexpert' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
