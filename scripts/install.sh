#!/usr/bin/env bash
# Install what the portal needs: WeasyPrint's system libraries and fonts (Debian packages, when
# run as root or with sudo), then the pinned Python packages into the project-local .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
DEB_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
# (This machine's pip configuration warns about absent local index folders; hide only those.)
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }; }
quiet .venv/bin/python -m pip install -q --upgrade pip
quiet .venv/bin/python -m pip install -q -r requirements.lock
