"""Audit requirements.lock against an offline copy of the PyPA advisory database.

pip-audit needs a vulnerability service (PyPI's JSON API or OSV) that the development machines
and CI cannot reach, and it cannot read a local database. So the advisories of the locked
packages are kept in the repository (security/advisories/<package>/<ID>.yaml, copied unchanged
from https://github.com/pypa/advisory-database, OSV format) and matched here with `packaging`:

    python scripts/dependency_audit.py                 # audit; exit 1 on a finding or 0 audited
    python scripts/dependency_audit.py refresh SRC     # re-copy from a clone (or bare git dir)

A package is vulnerable when its locked version is listed in an advisory's `versions`, or falls
in one of its ECOSYSTEM ranges (`introduced` ≤ v < `fixed`, or ≤ `last_affected`). Accepted
findings are listed in security/pip-audit-exceptions.txt (`ID reason`). The run fails when it
audited no package (a gate that checks nothing must not stay green), and prints the database's
snapshot commit and date so a stale copy is visible.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess  # nosec B404 - runs git on a path the operator gives, no shell
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
DB = ROOT / "security" / "advisories"
EXCEPTIONS = ROOT / "security" / "pip-audit-exceptions.txt"
SNAPSHOT = DB / "SNAPSHOT.json"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]


def locked_packages(lock: Path | None = None) -> dict[str, str]:
    """`name==version` lines of the lock file → {canonical name: version}."""
    pins: dict[str, str] = {}
    for line in (lock or LOCK).read_text("utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(3)
    return pins


def _version(raw: Any) -> Version | None:
    try:
        return Version(str(raw))
    except InvalidVersion:
        return None


def _in_ranges(version: Version, ranges: list[dict[str, Any]]) -> bool:
    for rng in ranges:
        if rng.get("type") != "ECOSYSTEM":
            continue
        # Events are ordered pairs: introduced, then fixed/last_affected (or open-ended).
        introduced: Version | None = None
        for event in rng.get("events", []):
            if "introduced" in event:
                introduced = _version(event["introduced"]) or Version("0")
            elif introduced is not None and "fixed" in event:
                fixed = _version(event["fixed"])
                if fixed is not None and introduced <= version < fixed:
                    return True
                introduced = None
            elif introduced is not None and "last_affected" in event:
                last = _version(event["last_affected"])
                if last is not None and introduced <= version <= last:
                    return True
                introduced = None
        if introduced is not None and version >= introduced:
            return True
    return False


def affects(advisory: dict[str, Any], package: str, version: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the advisory covers `package==version`, and the versions that fix it."""
    parsed = _version(version)
    fixed: list[str] = []
    hit = False
    for entry in advisory.get("affected", []):
        pkg = entry.get("package", {})
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != package:
            continue
        for rng in entry.get("ranges", []):
            fixed += [str(e["fixed"]) for e in rng.get("events", []) if "fixed" in e]
        listed = {str(v) for v in entry.get("versions", [])}
        if version in listed or (
            parsed is not None and _in_ranges(parsed, entry.get("ranges", []))
        ):
            hit = True
    return hit, tuple(fixed)


def load_exceptions(path: Path | None = None) -> set[str]:
    ids = set()
    for line in (path or EXCEPTIONS).read_text("utf-8").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            ids.add(words[0])
    return ids


def audit(pins: dict[str, str], db: Path | None = None) -> tuple[int, int, list[Finding]]:
    """(packages audited, advisories read, findings). A package is audited when its version
    parses; one without any advisory in the database is audited and clean."""
    db = db or DB
    audited, read, findings = 0, 0, []
    for package, version in sorted(pins.items()):
        if _version(version) is None:
            print(f"audit: cannot parse version {package}=={version}: NOT audited")
            continue
        audited += 1
        for path in sorted((db / package).glob("*.yaml")):
            advisory = yaml.safe_load(path.read_text("utf-8"))
            read += 1
            hit, fixed = affects(advisory, package, version)
            if hit and not advisory.get("withdrawn"):
                aliases = tuple(advisory.get("aliases") or ())
                findings.append(Finding(package, version, advisory["id"], aliases, fixed))
    return audited, read, findings


def run_audit() -> int:
    pins = locked_packages()
    snapshot = json.loads(SNAPSHOT.read_text("utf-8")) if SNAPSHOT.exists() else {}
    lock = LOCK.relative_to(ROOT) if LOCK.is_relative_to(ROOT) else LOCK
    print(
        f"audit: {lock} against the PyPA advisory database snapshot "
        f"{snapshot.get('commit', '?')[:12]} ({snapshot.get('date', 'unknown date')})"
    )
    audited, read, findings = audit(pins)
    accepted = load_exceptions()
    open_findings = [
        f for f in findings if f.advisory not in accepted and not accepted & set(f.aliases)
    ]
    for f in findings:
        mark = "accepted" if f not in open_findings else "VULNERABLE"
        fix = ", ".join(f.fixed) or "no fixed version"
        print(
            f"audit: {mark}: {f.package}=={f.version} {f.advisory} {list(f.aliases)} (fixed: {fix})"
        )
    print(
        f"audit: {audited} of {len(pins)} locked packages audited, {read} advisories read, "
        f"{len(findings)} vulnerable ({len(findings) - len(open_findings)} accepted)"
    )
    if audited == 0:
        print("audit: FAILED: no package was audited")
        return 1
    return 1 if open_findings else 0


def _wanted(name: str, packages: set[str]) -> bool:
    parts = name.split("/")
    return (
        len(parts) == 3 and parts[2].endswith(".yaml") and canonicalize_name(parts[1]) in packages
    )


def _git_files(src: Path, packages: set[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The vulns/<pkg>/*.yaml of `packages` in a bare git directory (HEAD) or a checkout."""
    if (src / "vulns").is_dir():
        files = {
            n: p.read_bytes()
            for p in (src / "vulns").rglob("*.yaml")
            if _wanted(n := str(p.relative_to(src)), packages)
        }
        return files, {"commit": "working tree", "date": "unknown"}
    git = ["git", "--git-dir", str(src)]
    names = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*git, "ls-tree", "-r", "--name-only", "HEAD", "vulns/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    head = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*git, "log", "-1", "--format=%H %cI"], check=True, capture_output=True, text=True
    ).stdout.split()
    files = {}
    for name in names:
        if _wanted(name, packages):
            files[name] = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [*git, "show", f"HEAD:{name}"], check=True, capture_output=True
            ).stdout
    return files, {"commit": head[0], "date": head[1]}


def refresh(src: Path) -> int:
    """Replace security/advisories/ with the advisories of the locked packages found in `src`."""
    pins = locked_packages()
    # Only the directories of locked packages are read (the database is thousands of files).
    files, meta = _git_files(src, set(pins))
    if DB.exists():
        shutil.rmtree(DB)
    kept = 0
    for name, data in files.items():
        parts = name.split("/")
        target = DB / canonicalize_name(parts[1]) / parts[2]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        kept += 1
    DB.mkdir(parents=True, exist_ok=True)
    meta["source"] = "https://github.com/pypa/advisory-database (vulns/, OSV format)"
    meta["packages"] = str(len(pins))
    SNAPSHOT.write_text(json.dumps(meta, indent=1) + "\n", "utf-8")
    print(f"refresh: {kept} advisories of {len(pins)} locked packages from {meta['commit'][:12]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    ref = sub.add_parser("refresh", help="re-copy the advisories of the locked packages")
    ref.add_argument("source", type=Path, help="a clone or bare git dir of pypa/advisory-database")
    args = parser.parse_args(argv)
    if args.command == "refresh":
        return refresh(args.source)
    return run_audit()


if __name__ == "__main__":
    sys.exit(main())
