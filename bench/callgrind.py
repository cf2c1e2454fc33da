"""Instructions of one process under valgrind's callgrind: the load-proof figure of
bench_api_callgrind.py and bench_engine_callgrind.py (the box's speed does not move it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def instructions(command: list[str], env: dict[str, str], cwd: Path, out: Path) -> int:
    """Ir of ``command`` run under callgrind with address randomisation off (``setarch -R``),
    from callgrind's summary line in ``out``."""
    valgrind = ["setarch", "-R", "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    subprocess.run(
        valgrind + command,
        env=env,
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    found = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit(f"no summary in {out}")
    return int(found.group(1))
