"""Importing the engine loads no web, task or PDF framework."""

from __future__ import annotations

import subprocess
import sys

from .helpers import ROOT

CHECK = (
    "import sys; import apps.sizing.engine as e; "
    "banned = ('django', 'rest_framework', 'celery', 'weasyprint'); "
    "bad = [m for m in sys.modules if m.split('.')[0] in banned]; "
    "print(','.join(bad)); sys.exit(1 if bad else 0)"
)


def test_engine_imports_no_frameworks() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
