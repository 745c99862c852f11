"""Authoring for researchers: YAML test cases and their runner with coverage, the pytest plugin that collects
them, the project check (`ppexpert check` over knowledge, scenario and case files) and the published JSON Schemas.
"""
