"""Shared set-up of the kit's own tests: the reference `micrograd` is importable."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "solutions"))
