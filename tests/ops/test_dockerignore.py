"""The image's build context: `.dockerignore` keeps secrets, local state and caches out of
`COPY . .`. Docker's engine does not run here, so its matching rules (moby's patternmatcher:
patterns anchored at the context root, `*` within one path segment, `**` across segments, a
pattern matching a directory excludes what is under it, the last matching pattern wins, `!`
re-includes) are applied to the project's paths."""

from __future__ import annotations

import re
import subprocess  # nosec B404
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        rules.append((negate, _regex(pattern.strip("/").removeprefix("./"))))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether `path` (relative, `/`-separated) is left out of the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for negate, regex in rules:
        if any(regex.match(p) for p in prefixes):
            result = not negate
    return result


@pytest.fixture(scope="module")
def rules() -> list[tuple[bool, re.Pattern[str]]]:
    return dockerignore_rules((ROOT / ".dockerignore").read_text("utf-8"))


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".venv/bin/python",
        "var/db.sqlite3",
        "var/documents/quotes/2026/Q-2026-00001-A.pdf",
        ".git/config",
        ".git/objects/ab/cdef",
        "node_modules/axe-core/axe.js",
        "tests/browser/node_modules/x.js",
        "test-artifacts/trace.zip",
        "apps/quotes/__pycache__/models.cpython-311.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/0.17/x",
        ".hypothesis/examples/x",
    ],
)
def test_secrets_state_and_caches_stay_out_of_the_image(rules, path):
    assert excluded(path, rules), path


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "requirements.lock",
        "config/settings/production.py",
        "apps/quotes/models.py",
        "templates/base.html",
        "static/css/portal.css",
        "fixtures/catalog/cables.csv",
        "deploy/nginx.conf",
        "deploy/gunicorn.conf.py",
        ".env.example",
    ],
)
def test_what_the_image_runs_is_in_the_context(rules, path):
    assert not excluded(path, rules), path


def test_every_file_the_image_needs_is_in_the_context(rules):
    """Every tracked file under the directories the image runs from is copied."""
    tracked = subprocess.run(  # nosec B603 B607 - fixed argv
        ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    needed = [
        p
        for p in tracked
        if p.split("/")[0] in {"apps", "config", "templates", "static", "fixtures"}
    ]
    assert needed
    assert [p for p in needed if excluded(p, rules)] == []


def test_the_dockerfile_copies_the_context():
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "COPY . ." in dockerfile  # the context is what .dockerignore leaves


def test_matcher_follows_docker_rules():
    rules = dockerignore_rules("a\n**/b\nc/*.txt\n!c/keep.txt\n")
    assert excluded("a/x", rules) and not excluded("x/a", rules)  # anchored at the root
    assert excluded("b", rules) and excluded("x/y/b/z", rules)
    assert excluded("c/one.txt", rules) and not excluded("c/d/one.txt", rules)
    assert not excluded("c/keep.txt", rules)
