"""Load and model: YAML read safely with every node's file:line:col, typed models of the knowledge base and of
scenarios, the domains of inputs, derived inputs, and the problems a user can cause.

Nothing here knows about checking, the engine or reasoning; every other layer may import from here.
"""
from ppexpert.knowledge.base import KnowledgeBase, collect_knowledge, find_knowledge
from ppexpert.knowledge.inputs import BaselineValue, InputValue, LoadedScenario
from ppexpert.knowledge.problems import EngineFailure, InputError, Problem, Span
from ppexpert.knowledge.scenario import load_scenario

__all__ = ["KnowledgeBase", "collect_knowledge", "find_knowledge", "LoadedScenario", "InputValue", "BaselineValue",
           "load_scenario", "InputError", "EngineFailure", "Problem", "Span"]
