"""ppexpert: a rule-based expert system that assesses peace plans against cited law and security baselines.

Public API:
    assess(path_or_mapping, knowledge=None) -> Assessment   (.why(id), .why_not(id), .what_if(id), .to_json())
    load_knowledge(path=None) -> KnowledgeBase
    sweep(plan, vary, sample=None, method=None, seed=None, ...) -> pandas.DataFrame   (the [explore] extra)
    InputError: bad user input; .problems lists every problem with file:line:col.

The package is laid out as the pipeline (docs/architecture.md): knowledge → check → engine → reasoning → present,
with authoring, web and cli on top.
"""
from ppexpert._version import __version__
from ppexpert.check import load_knowledge
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.problems import EngineFailure, InputError
from ppexpert.reasoning import Assessment, assess
from ppexpert.reasoning.sweep import sweep

__all__ = ["assess", "sweep", "Assessment", "load_knowledge", "KnowledgeBase", "InputError", "EngineFailure", "__version__"]
