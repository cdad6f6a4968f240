#!/usr/bin/env bash
# Installs what the PostgreSQL tests need on a Debian 12 machine: the PostgreSQL 15 server and pgvector.
# pgvector is not packaged for Debian 12 (bookworm), so it is built from Debian's own source package of the
# next release (trixie): a deb-src line for trixie is added in a separate sources file, used only by
# `apt-get source`, never for binary packages. Idempotent: quick when everything is already there.
# `--check`: exit 0 when everything is installed, 1 when not, installing nothing. CHAT_INSPECTOR_APT_UPDATED=1:
# the package lists were just updated (scripts/ci/install-system-deps.sh).
set -euo pipefail

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
export DEBIAN_FRONTEND=noninteractive

vector_installed() {
  [ -x "${PG_CONFIG}" ] || return 1
  local sharedir pkglibdir
  sharedir="$("${PG_CONFIG}" --sharedir)"
  pkglibdir="$("${PG_CONFIG}" --pkglibdir)"
  [ -f "${sharedir}/extension/vector.control" ] && [ -f "${pkglibdir}/vector.so" ]
}

installed=0
if [ -x "${PG_BIN}/postgres" ] && [ -x "${PG_BIN}/initdb" ] && vector_installed; then installed=1; fi
if [ "${1:-}" = --check ]; then [ "${installed}" = 1 ]; exit; fi
if [ "${installed}" = 1 ]; then
  echo "--- postgresql ${PG_MAJOR} and pgvector already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-postgres: needs root (or sudo) to install packages" >&2
    exit 1
  fi
fi

updated="${CHAT_INSPECTOR_APT_UPDATED:-0}"
apt_update() {
  if [ "${updated}" = 0 ]; then
    $SUDO apt-get update -qq
    updated=1
  fi
}

if [ ! -x "${PG_BIN}/postgres" ] || [ ! -x "${PG_CONFIG}" ]; then
  echo "--- installing postgresql-${PG_MAJOR}"
  apt_update
  $SUDO apt-get install -y -qq --no-install-recommends \
    "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev >/dev/null
fi

if ! vector_installed; then
  echo "--- building pgvector from Debian's source package (trixie)"
  if ! dpkg -s "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev >/dev/null 2>&1; then
    apt_update
    $SUDO apt-get install -y -qq --no-install-recommends \
      "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev >/dev/null
  fi
  src_list=/etc/apt/sources.list.d/chat-inspector-trixie-src.list
  if [ ! -f "${src_list}" ]; then
    echo "deb-src http://deb.debian.org/debian trixie main" | $SUDO tee "${src_list}" >/dev/null
    updated=0
  fi
  apt_update
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' EXIT
  (
    cd "${work}"
    # Only the source is fetched and unpacked (no build dependencies from trixie are installed).
    apt-get source -qq pgvector >/dev/null
    cd "$(find . -maxdepth 1 -type d -name 'pgvector-*' | head -1)"
    make -s with_llvm=no PG_CONFIG="${PG_CONFIG}" >/dev/null
    $SUDO make -s with_llvm=no PG_CONFIG="${PG_CONFIG}" install >/dev/null
  )
  vector_installed || { echo "install-postgres: pgvector did not install" >&2; exit 1; }
fi
echo "--- postgresql ${PG_MAJOR} and pgvector ready"
