"""The dependency audit (scripts/dependency_audit.py, run by scripts/security.sh) audits the
locked packages against the offline advisory database kept in security/advisories/."""

from __future__ import annotations

import importlib.util
import subprocess  # nosec B404
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dependency_audit.py"


@pytest.fixture(scope="module")
def auditor():
    spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["dependency_audit"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("dependency_audit", None)


def test_the_gate_audits_every_locked_package():
    run = subprocess.run(  # nosec B603 - fixed argv
        [sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    locked = sum(
        1 for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line
    )
    assert f"{locked} of {locked} locked packages audited" in run.stdout
    assert locked > 0


def test_a_known_vulnerable_version_is_found(auditor, tmp_path):
    # PYSEC-2024-70 (CVE-2024-42005): Django 5.0 before 5.0.8 — from the stored database.
    audited, read, findings = auditor.audit({"django": "5.0.7", "sqlparse": "0.4.3"})
    assert audited == 2 and read > 0
    ids = {(f.package, f.advisory) for f in findings}
    assert ("django", "PYSEC-2024-70") in ids
    assert not any(f.advisory == "PYSEC-2024-70" for f in auditor.audit({"django": "5.0.8"})[2])


def test_ranges_and_listed_versions(auditor):
    advisory = {
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Some_Pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.4"}]},
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "2.0"}, {"last_affected": "2.1"}],
                    },
                    {"type": "GIT", "events": [{"introduced": "0"}]},
                ],
                "versions": ["0.9"],
            }
        ]
    }
    for version, hit in [
        ("0.9", True),
        ("1.0", True),
        ("1.3.9", True),
        ("1.4", False),
        ("2.1", True),
        ("2.1.1", False),
        ("3.0", False),
    ]:
        assert auditor.affects(advisory, "some-pkg", version)[0] is hit, version
    assert auditor.affects(advisory, "some-pkg", "1.2")[1] == ("1.4",)
    assert auditor.affects(advisory, "other", "1.2")[0] is False


def test_auditing_nothing_fails(auditor, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "requirements.lock"
    empty.write_text("# nothing pinned\n")
    monkeypatch.setattr(auditor, "LOCK", empty)
    assert auditor.run_audit() == 1
    assert "no package was audited" in capsys.readouterr().out


def test_a_finding_fails_unless_accepted(auditor, tmp_path, monkeypatch, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("Django==5.0.7\n")
    monkeypatch.setattr(auditor, "LOCK", lock)
    assert auditor.run_audit() == 1
    assert "VULNERABLE: django==5.0.7 PYSEC-2024-70" in capsys.readouterr().out
    exceptions = tmp_path / "exceptions.txt"
    ids = {f.advisory for f in auditor.audit({"django": "5.0.7"})[2]}
    exceptions.write_text("".join(f"{i} accepted in this test\n" for i in ids))
    monkeypatch.setattr(auditor, "EXCEPTIONS", exceptions)
    assert auditor.run_audit() == 0
