#!/usr/bin/env bash
# Make the local PostgreSQL usable by studio's server-mode tests and by a server install:
#   - start the cluster if it is down,
#   - build and install pgvector if the server lacks it (Debian bookworm ships no binary package, so it is
#     built from Debian's own `pgvector` source package against postgresql-server-dev-<major>),
#   - create the test database and the extension in it,
#   - print the URL to use as TEST_DATABASE_URL.
# Idempotent and quiet when everything is already there. Needs root (apt-get, make install).
#
#   scripts/setup-postgres.sh                 # uses 127.0.0.1:5432, user postgres, database studio_test
#   PGHOST=... PGPORT=... PGUSER=... STUDIO_TEST_DB=... scripts/setup-postgres.sh
set -euo pipefail

host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
user=${PGUSER:-postgres}
db=${STUDIO_TEST_DB:-studio_test}
say() { printf 'setup-postgres: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v psql >/dev/null || die "psql is not installed; install postgresql (apt-get install postgresql) and run again"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" "$@"; }

# 1. The cluster must be up.
if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  if command -v pg_lsclusters >/dev/null; then
    read -r ver name <<<"$(pg_lsclusters -h | awk 'NR==1 {print $1, $2}')"
    [ -n "${ver:-}" ] || die "no PostgreSQL cluster found; create one with pg_createcluster"
    say "starting cluster $ver/$name"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
  fi
  for _ in $(seq 1 50); do pg_isready -q -h "$host" -p "$port" && break; sleep 0.2; done
  pg_isready -q -h "$host" -p "$port" || die "PostgreSQL at $host:$port does not answer; check its log under /var/log/postgresql"
fi

# 2. pgvector must be available to the server.
has_vector() { [ "$(psql_ -d postgres -tAc "select count(*) from pg_available_extensions where name = 'vector'")" = 1 ]; }
if ! has_vector; then
  major=$(psql_ -d postgres -tAc "show server_version_num" | cut -c1-2)
  say "pgvector is missing for PostgreSQL $major; building it from Debian's source package"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg -s "postgresql-server-dev-$major" >/dev/null 2>&1 || ! command -v dpkg-source >/dev/null; then
    # Wait for another apt/dpkg run (unattended upgrades, a parallel install) instead of failing at once.
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq "postgresql-server-dev-$major" dpkg-dev build-essential >/dev/null
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # A private apt configuration holding only trixie's deb-src entry: the machine's own sources stay untouched.
  mkdir -p "$work/lists/partial" "$work/src"
  cat >"$work/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
  aptopts=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
           -o "Dir::State::Lists=$work/lists" -o "APT::Get::Only-Source=true")
  apt-get "${aptopts[@]}" update -qq >/dev/null
  (cd "$work/src" && apt-get "${aptopts[@]}" source -qq --download-only pgvector >/dev/null)
  dsc=$(ls "$work"/src/pgvector_*.dsc | head -n1)
  (cd "$work/src" && dpkg-source -x --no-check "$dsc" build >/dev/null)
  pgconfig="/usr/lib/postgresql/$major/bin/pg_config"
  make -s -C "$work/src/build" PG_CONFIG="$pgconfig" -j"$(nproc)" >/dev/null 2>"$work/make.log" \
    || { cat "$work/make.log" >&2; die "building pgvector failed"; }
  make -s -C "$work/src/build" PG_CONFIG="$pgconfig" install >/dev/null
  has_vector || die "pgvector was built but the server does not list it"
  say "pgvector $(psql_ -d postgres -tAc "select default_version from pg_available_extensions where name='vector'") installed"
fi

# 3. The test database, with the extensions the tests use.
if [ "$(psql_ -d postgres -tAc "select count(*) from pg_database where datname = '$db'")" != 1 ]; then
  psql_ -d postgres -c "create database \"$db\""
fi
psql_ -d "$db" -c "create extension if not exists vector" 2>/dev/null

echo "postgres://$user@$host:$port/$db"
