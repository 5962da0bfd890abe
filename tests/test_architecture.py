"""The layering is a checked contract (import-linter contracts in pyproject.toml):
services, models and pure helpers never import Textual; screens and widgets
reach data only through services."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extras"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_no_float_near_money():
    offenders = []
    for path in (ROOT / "src" / "jxc_tui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("float(", "FloatField", "DoubleField", "DecimalField"):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []
