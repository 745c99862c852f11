"""ppexpert: a rule-based expert system that assesses peace plans against cited law and security baselines.

Public API:
    assess(path_or_mapping, knowledge=None) -> Assessment   (.why(id), .why_not(id), .what_if(id), .to_json())
    load_knowledge(path=None) -> KnowledgeBase
    InputError: bad user input; .problems lists every problem with file:line:col.
"""
__version__ = "0.1.0"

from .assessment import Assessment, assess  # noqa: E402
from .knowledge import KnowledgeBase, load_knowledge  # noqa: E402
from .problems import EngineFailure, InputError  # noqa: E402

__all__ = ["assess", "Assessment", "load_knowledge", "KnowledgeBase", "InputError", "EngineFailure", "__version__"]
