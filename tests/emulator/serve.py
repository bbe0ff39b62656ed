"""Start the local IMS + IAM emulator from the repository (see README.md in this directory).

The command line lives in ims_emulator/cli.py, which is also the ``huaweicloud-ims-emulator``
command of the pip-installable package (pyproject.toml).
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from ims_emulator.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
