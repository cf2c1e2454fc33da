#!/usr/bin/env bash
# Security gates (run by .ci/run before the tests; each fails the run on findings):
#   1. manage.py check --deploy --fail-level WARNING against the production settings
#   2. ruff's security rules (S) over apps/ and config/ — exceptions inline, `# noqa: S… - reason`
#   3. bandit, medium severity and up — exceptions in pyproject [tool.bandit] or `# nosec`
#   4. dependency audit of requirements.lock against the offline PyPA advisory database kept in
#      security/advisories/ (scripts/dependency_audit.py; refresh it with `… refresh SRC`):
#      fails on a finding not accepted in security/pip-audit-exceptions.txt, and when it
#      audited no package. pip-audit cannot reach its service from here nor read a local
#      database; PIP_AUDIT_ONLINE=1 runs it as well (strict: unaudited packages fail).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BANDIT_VERSION=1.9.4
PIP_AUDIT_VERSION=2.10.1
[ -x "$PY" ] || ./scripts/install.sh
# Until they are pinned in requirements.lock, install the pinned gate tools on demand.
"$PY" -m bandit --version >/dev/null 2>&1 || "$PY" -m pip install -q "bandit==$BANDIT_VERSION"
"$PY" -m pip_audit --version >/dev/null 2>&1 || "$PY" -m pip install -q "pip-audit==$PIP_AUDIT_VERSION"
failed=()

echo "security: manage.py check --deploy (production settings)"
if ! env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DATABASE_URL=postgres://gate:gate@127.0.0.1:9/gate ALLOWED_HOSTS=sizing.example.com \
    "$PY" manage.py check --deploy --fail-level WARNING; then
  failed+=("check --deploy")
fi

echo "security: ruff --select S apps config"
"$PY" -m ruff check --select S --output-format concise apps config || failed+=("ruff S")

echo "security: bandit -r apps config -ll"
"$PY" -m bandit -q -c pyproject.toml -r apps config -ll || failed+=("bandit")

echo "security: dependency audit of requirements.lock (offline PyPA advisory database)"
"$PY" scripts/dependency_audit.py || failed+=("dependency audit")

if [ "${PIP_AUDIT_ONLINE:-0}" = 1 ]; then
  # Where PyPI's or OSV's service is reachable, pip-audit adds the newest advisories.
  echo "security: pip-audit -r requirements.lock (online)"
  ignores=()
  while read -r id _; do
    [[ -z "$id" || "$id" == \#* ]] || ignores+=(--ignore-vuln "$id")
  done < security/pip-audit-exceptions.txt
  "$PY" -m pip_audit -r requirements.lock --no-deps --disable-pip --progress-spinner off --strict \
    --vulnerability-service "${PIP_AUDIT_SERVICE:-pypi}" ${ignores[@]+"${ignores[@]}"} || failed+=("pip-audit")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "security: FAILED: ${failed[*]}"
  exit 1
fi
echo "security: all gates passed"
