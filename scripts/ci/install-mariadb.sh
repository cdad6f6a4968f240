#!/usr/bin/env bash
# Installs what the MySQL/MariaDB tests need on a Debian 12 machine: the MariaDB 10.11 server (Debian has no
# mysql-server package). The tests start their own throwaway server (main/testing/mariadb-server.ts), so the
# package's own daemon is stopped and kept from starting: nothing is left running. Idempotent: quick when the
# binaries are already there. `--check`: exit 0 when installed, 1 when not, installing nothing.
# CHAT_INSPECTOR_APT_UPDATED=1: the package lists were just updated (scripts/ci/install-system-deps.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

installed=0
if [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null && command -v mariadb-admin >/dev/null; then
  installed=1
fi
if [ "${1:-}" = --check ]; then [ "${installed}" = 1 ]; exit; fi
if [ "${installed}" = 1 ]; then
  echo "--- mariadb already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-mariadb: needs root (or sudo) to install packages" >&2
    exit 1
  fi
fi

echo "--- installing mariadb-server"
# policy-rc.d 101: the package's postinst must not start a daemon (there may be no init system, and the tests
# need none running). Removed again afterwards, whatever happens.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "${policy}" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "${policy}" >/dev/null
  $SUDO chmod +x "${policy}"
  added_policy=1
fi
cleanup() { if [ "${added_policy}" = 1 ]; then $SUDO rm -f "${policy}"; fi; }
trap cleanup EXIT

if [ "${CHAT_INSPECTOR_APT_UPDATED:-0}" != 1 ]; then $SUDO apt-get update -qq; fi
$SUDO apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null

# In case a daemon did start (an init system that ignores policy-rc.d): stop it.
if command -v systemctl >/dev/null && systemctl is-active --quiet mariadb 2>/dev/null; then
  $SUDO systemctl stop mariadb || true
  $SUDO systemctl disable mariadb >/dev/null 2>&1 || true
elif pgrep -x mariadbd >/dev/null 2>&1; then
  $SUDO mariadb-admin --no-defaults -uroot shutdown >/dev/null 2>&1 || $SUDO service mariadb stop >/dev/null 2>&1 || true
fi

[ -x /usr/sbin/mariadbd ] || { echo "install-mariadb: mariadbd did not install" >&2; exit 1; }
echo "--- mariadb ready"
