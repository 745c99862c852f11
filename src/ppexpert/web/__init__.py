"""The web calculator: a FastAPI app over the reasoning layer (`server.create_app`) and its static page.

It reads the same result object and JSON documents as the command line; it computes no conclusion of its own.
"""
