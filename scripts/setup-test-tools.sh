#!/usr/bin/env bash
# Install the third-party clients that the test suite drives for real, from Debian's packages:
#   - chromium: the landing page's signup, in a real browser (puppeteer-core drives it)
#   - promtool (package prometheus): /metrics checked by Prometheus's own linter
#   - the shell linter (package shellcheck): scripts/health_check.sh is kept clean
#   - systemd-analyze (package systemd): the unit verified and rated
#   - psql, pg_restore (package postgresql-client): a server backup restored with stock PostgreSQL tools
# Idempotent and quiet when everything is there. Needs root (apt-get). Nothing is downloaded at run time.
set -euo pipefail
say() { printf 'setup-test-tools: %s\n' "$*" >&2; }

declare -A want=([chromium]=chromium [promtool]=prometheus [shellcheck]=shellcheck [systemd-analyze]=systemd
                 [psql]=postgresql-client [pg_restore]=postgresql-client)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
say "installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || { say "$cmd is still missing after installing ${want[$cmd]}"; exit 1; }
done
