"""Reasoning: run the compiled rules on a scenario, settle precedence, trace every conclusion to its sources, and
answer why / why not / what if. The Assessment is the one result object that every presentation reads.
"""
from ppexpert.reasoning.assessment import Assessment, Conclusion, Defeat, Undetermined
from ppexpert.reasoning.prepared import compiled_for, knowledge_for
from ppexpert.reasoning.run import assess, assess_loaded, compare, engine_facts

__all__ = ["Assessment", "Conclusion", "Defeat", "Undetermined", "assess", "compare", "assess_loaded", "engine_facts",
           "knowledge_for", "compiled_for"]
