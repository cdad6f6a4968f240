#!/usr/bin/env bash
# Everything `npm test` needs that npm cannot install, on a Debian 12 machine: Debian's Chromium (the browser
# end-to-end tests), PostgreSQL 15 + pgvector and MariaDB 10.11 (the server-source tests; they start their own
# throwaway servers, so nothing is left running). Needs root (or sudo) when something is missing. `npm test`
# runs it itself when it runs as root (scripts/test-setup.ts); otherwise it names this script. Idempotent:
# quick when everything is there. `apt-get update` runs once for the three (and once more the first time
# pgvector is built, for the trixie source list install-postgres.sh adds).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

chromium_installed() { [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ]; }
postgres_installed() { bash scripts/ci/install-postgres.sh --check; }
mariadb_installed() { bash scripts/ci/install-mariadb.sh --check; }

if chromium_installed && postgres_installed && mariadb_installed; then
  echo "--- chromium, postgresql 15 + pgvector and mariadb already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-system-deps: needs root (or sudo) to install packages" >&2
    exit 1
  fi
fi
command -v apt-get >/dev/null || {
  echo "install-system-deps: needs apt-get (Debian 12); install chromium, postgresql-15 with pgvector and mariadb-server by other means" >&2
  exit 1
}

# The package lists once for the three (the two scripts below skip their own update when this is 1).
$SUDO apt-get update -qq
export CHAT_INSPECTOR_APT_UPDATED=1

if chromium_installed; then
  echo "--- chromium already installed"
else
  echo "--- installing chromium"
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
bash scripts/ci/install-postgres.sh
bash scripts/ci/install-mariadb.sh
