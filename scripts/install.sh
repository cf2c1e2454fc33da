#!/usr/bin/env bash
# Install what the portal needs: Python's venv module when the system Python lacks it (a stock
# Debian 12 has python3 but not python3-venv), WeasyPrint's system libraries and fonts (Debian
# packages, when run as root or with sudo), then the pinned Python packages into the
# project-local .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(command -v python3.11 || command -v python3 || true)
DEB_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ca-certificates)
if [ ! -x .venv/bin/python ]; then
  # `python3 -m venv` needs the venv and ensurepip modules: Debian ships them in python3-venv.
  if [ -z "$PYTHON" ]; then
    DEB_PACKAGES+=(python3 python3-venv)
  elif ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    DEB_PACKAGES+=(python3-venv)
  fi
fi
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ ! -x .venv/bin/python ]; then
  PYTHON=$(command -v python3.11 || command -v python3)
  # A failed attempt leaves a .venv without pip: remove it so the next run starts clean.
  "$PYTHON" -m venv .venv || { rm -rf .venv; echo "install: could not create .venv with $PYTHON" >&2; exit 1; }
fi
# (This machine's pip configuration warns about absent local index folders; hide only those.)
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }; }
# The packages of this requirements.lock are in .venv already (its digest is the stamp written
# after the last complete install): nothing to do. `.ci/run` and `./scripts/test.sh` both call
# this script; the second call costs nothing. Delete the stamp to force a reinstall.
STAMP=.venv/.requirements-installed
LOCK_DIGEST=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$LOCK_DIGEST" ]; then
  exit 0
fi
quiet .venv/bin/python -m pip install -q --upgrade pip
quiet .venv/bin/python -m pip install -q -r requirements.lock
echo "$LOCK_DIGEST" > "$STAMP"
