"""ppexpert: a rule-based expert system that assesses peace plans against cited law and security baselines.

Public API:
    assess(path_or_mapping, knowledge=None) -> Assessment   (.why(id), .why_not(id), .what_if(id), .to_json())
    compare([plans...], knowledge=None) -> pandas.DataFrame  (a row per conclusion, a column per plan; [notebook])
    load_knowledge(path=None) -> KnowledgeBase
    InputError: bad user input; .problems lists every problem with file:line:col.

The package is laid out as the pipeline (docs/architecture.md): knowledge → check → engine → reasoning → present,
with authoring, web and cli on top.
"""
from ppexpert._version import __version__
from ppexpert.check import load_knowledge
from ppexpert.knowledge.base import KnowledgeBase
from ppexpert.knowledge.problems import EngineFailure, InputError
from ppexpert.present import notebook as _notebook  # noqa: F401  (installs Assessment._repr_html_)
from ppexpert.reasoning import Assessment, assess, compare

__all__ = ["assess", "compare", "Assessment", "load_knowledge", "KnowledgeBase", "InputError", "EngineFailure", "__version__"]
