#!/usr/bin/env bash
# Security gates (run by .ci/run before the tests; each fails the run on findings):
#   1. manage.py check --deploy --fail-level WARNING against the production settings
#   2. ruff's security rules (S) over apps/ and config/ — exceptions inline, `# noqa: S… - reason`
#   3. bandit, medium severity and up — exceptions in pyproject [tool.bandit] or `# nosec`
#   4. pip-audit of requirements.lock — accepted vulnerabilities in security/pip-audit-exceptions.txt
# pip-audit needs its vulnerability service (pypi.org JSON API, or OSV with PIP_AUDIT_SERVICE=osv).
# When that cannot be reached every package is reported "could not be audited": the gate then
# says so loudly and fails only with PIP_AUDIT_REQUIRED=1 (a finding always fails).
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

echo "security: pip-audit -r requirements.lock"
ignores=()
while read -r id _; do
  [[ -z "$id" || "$id" == \#* ]] || ignores+=(--ignore-vuln "$id")
done < security/pip-audit-exceptions.txt
audit_out=$(mktemp)
set +e
"$PY" -m pip_audit -r requirements.lock --no-deps --disable-pip --progress-spinner off \
  --vulnerability-service "${PIP_AUDIT_SERVICE:-pypi}" ${ignores[@]+"${ignores[@]}"} >"$audit_out" 2>&1
audit_rc=$?
set -e
cat "$audit_out"
if grep -q "could not be audited\|Failed to resolve\|ConnectionError" "$audit_out"; then
  echo "security: WARNING pip-audit could not reach its vulnerability service (see above):" \
       "the locked dependencies were NOT audited"
  if [ "${PIP_AUDIT_REQUIRED:-0}" = 1 ] || grep -q "^Found [1-9]" "$audit_out"; then
    failed+=("pip-audit")
  fi
elif [ $audit_rc -ne 0 ]; then
  failed+=("pip-audit")
fi
rm -f "$audit_out"

if [ ${#failed[@]} -gt 0 ]; then
  echo "security: FAILED: ${failed[*]}"
  exit 1
fi
echo "security: all gates passed"
