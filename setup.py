"""Build step: the wheel carries the knowledge base, the example plans and their schemas.

They live at the checkout's top level (knowledge/, examples/, schemas/), where researchers edit them; building
copies them into the package as ppexpert/_shipped/ so that an installed ppexpert works in any folder
(src/ppexpert/knowledge/shipped.py finds them in either place). Everything else is in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FOLDERS = ("knowledge", "examples", "schemas")  # the same list as ppexpert.knowledge.shipped


class BuildWithKnowledge(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders in place
        top = Path(__file__).resolve().parent
        for folder in SHIPPED_FOLDERS:
            target = Path(self.build_lib) / "ppexpert" / "_shipped" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(top / folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithKnowledge})
