"""The wheel carries the checkout's top-level data (tree, presets, benchdata, benchspecs) as flexui/data/.

The checkout keeps them at the top, where they are read and edited; an editable
install reads them there, so only a real build copies them (flexui.paths finds either).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = ("unikraft-tree", "presets", "benchdata", "benchspecs")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.old")  # what a build or an edit leaves


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in DATA:
            target = Path(self.build_lib) / "flexui" / "data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target, ignore=LEFT_OUT)


setup(cmdclass={"build_py": BuildWithData})
