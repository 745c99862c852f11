"""Presentation: the terminal (rich), the annotated reports (Markdown, HTML, JSON through jinja2 templates), the
comparison of plans and the graph export. Every presenter reads the Assessment or its JSON document and computes
nothing of its own.
"""
