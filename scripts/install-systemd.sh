#!/usr/bin/env bash
# Installs studio's systemd units for the release at /opt/agentic-startup-studio (the path the units and
# the operations manual use). Idempotent: run it again after an upgrade; it changes only what differs.
#
#   sudo /opt/agentic-startup-studio/scripts/install-systemd.sh [--root DIR] [--no-enable] [--start]
#
# What it does:
#   1. the `studio` system user and group (no login shell, home = STUDIO_HOME), if missing;
#   2. STUDIO_HOME=/var/lib/agentic-startup-studio owned by studio, mode 0700 (systemd's StateDirectory=
#      makes the same at start; creating it here lets `studio db migrate` run before the first start);
#   3. the units from deploy/ into /etc/systemd/system/ (mode 0644): agentic-pipeline.service (the
#      scheduler), agentic-pipeline-health.service + .timer (the 5-minute health check, instead of cron);
#   4. systemctl daemon-reload and enable (not start, unless --start).
# The release itself (bin/, dist/, node_modules/, owned by root) must already be at the install path:
#   git clone ... /opt/agentic-startup-studio && cd /opt/agentic-startup-studio && npm ci && npm run build
#
# --root DIR   install into DIR as if it were / (a test or image build): the user goes into DIR/etc/passwd,
#              enabling uses `systemctl --root`, nothing is started and the running system is not touched.
# --no-enable  install the files only.   --start  also start the scheduler and the timer now.
# Exit codes: 0 installed (or already so), 1 failed, 2 bad usage.
set -euo pipefail

readonly APP_DIR=/opt/agentic-startup-studio
readonly HOME_DIR=/var/lib/agentic-startup-studio
readonly UNIT_DIR=/etc/systemd/system
readonly USER_NAME=studio
readonly UNITS=(agentic-pipeline.service agentic-pipeline-health.service agentic-pipeline-health.timer)

root=""
enable=1
start=0
usage() {
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) [[ $# -ge 2 && -n "$2" ]] || { echo "install-systemd: --root needs a directory" >&2; exit 2; }; root="$2"; shift 2 ;;
    --root=*) root="${1#--root=}"; shift ;;
    --no-enable) enable=0; shift ;;
    --start) start=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-systemd: unknown option \"$1\"; see --help" >&2; exit 2 ;;
  esac
done

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname -- "${here}")"
fail() { echo "install-systemd: $1" >&2; exit 1; }
say() { echo "  $1"; }

if [[ -n "${root}" ]]; then
  [[ -d "${root}" ]] || fail "--root ${root} is not a directory"
  root="$(cd -- "${root}" && pwd)"
  [[ "${root}" != "/" ]] || root=""
  [[ "${start}" -eq 0 ]] || fail "--start cannot be used with --root (nothing runs in an alternate root)"
fi
[[ -n "${root}" || "$(id -u)" -eq 0 ]] || fail "run it as root (sudo), or with --root DIR to install into a directory"

for unit in "${UNITS[@]}"; do
  [[ -f "${source_dir}/deploy/${unit}" ]] || fail "deploy/${unit} is missing next to this script (${source_dir})"
done
[[ -f "${root}${APP_DIR}/bin/studio.js" ]] ||
  fail "no release at ${root}${APP_DIR} (bin/studio.js); put it there first: git clone … ${APP_DIR} && npm ci && npm run build"

echo "studio systemd install into ${root:-/}"

# 1. the user
passwd_file="${root}/etc/passwd"
if [[ -n "${root}" ]]; then
  mkdir -p -- "${root}/etc"
  for f in passwd group shadow gshadow; do
    [[ -e "${root}/etc/${f}" ]] || { : >"${root}/etc/${f}"; chmod 0644 "${root}/etc/${f}"; }
  done
  chmod 0600 "${root}/etc/shadow" "${root}/etc/gshadow"
fi
if grep -q "^${USER_NAME}:" "${passwd_file}" 2>/dev/null; then
  say "user ${USER_NAME}: exists"
else
  command -v useradd >/dev/null 2>&1 || fail "useradd not found (Debian/Ubuntu: apt-get install passwd)"
  nologin="$(command -v nologin || echo /usr/sbin/nologin)"
  root_args=()
  [[ -z "${root}" ]] || root_args=(--root "${root}")
  # in an alternate root useradd cannot see the shell binary and says so; that warning is expected
  useradd "${root_args[@]}" --system --user-group --home-dir "${HOME_DIR}" --no-create-home \
    --shell "${nologin}" --comment "studio (agentic startup studio)" "${USER_NAME}" 2> >(grep -v "missing or non-executable shell" >&2)
  say "user ${USER_NAME}: created (system user, no login shell)"
fi
uid="$(awk -F: -v u="${USER_NAME}" '$1 == u { print $3 }' "${passwd_file}")"
gid="$(awk -F: -v u="${USER_NAME}" '$1 == u { print $4 }' "${passwd_file}")"
[[ -n "${uid}" && -n "${gid}" ]] || fail "user ${USER_NAME} is not in ${passwd_file}"

# 2. STUDIO_HOME: studio's, private
home="${root}${HOME_DIR}"
if [[ -d "${home}" ]]; then say "STUDIO_HOME ${HOME_DIR}: exists"; else mkdir -p -- "${home}"; say "STUDIO_HOME ${HOME_DIR}: created"; fi
chmod 0700 "${home}"
if [[ "$(id -u)" -eq 0 ]]; then
  chown "${uid}:${gid}" "${home}"
  if [[ -f "${home}/.env" ]]; then chown "${uid}:${gid}" "${home}/.env"; chmod 0600 "${home}/.env"; fi
else
  say "not root: ${home} keeps its owner (it must be uid ${uid} on the real system)"
fi
owner="$(stat -c %U "${root}${APP_DIR}/bin/studio.js" 2>/dev/null || echo '?')"
[[ "${owner}" != "${USER_NAME}" ]] || say "warning: the release is owned by ${USER_NAME}; make it root's so the service cannot change its own code"

# 3. the units
mkdir -p -- "${root}${UNIT_DIR}"
changed=0
for unit in "${UNITS[@]}"; do
  target="${root}${UNIT_DIR}/${unit}"
  if [[ -f "${target}" ]] && cmp -s -- "${source_dir}/deploy/${unit}" "${target}"; then
    say "${UNIT_DIR}/${unit}: up to date"
  else
    install -m 0644 -- "${source_dir}/deploy/${unit}" "${target}"
    say "${UNIT_DIR}/${unit}: installed"
    changed=1
  fi
done

# 4. systemd
if [[ -n "${root}" ]]; then
  if [[ "${enable}" -eq 1 ]] && ! command -v systemctl >/dev/null 2>&1; then
    say "systemctl not found: units installed, not enabled (systemctl --root=DIR enable … later)"
  elif [[ "${enable}" -eq 1 ]]; then
    systemctl --root="${root}" enable agentic-pipeline.service agentic-pipeline-health.timer >/dev/null 2>&1 ||
      fail "systemctl --root=${root} enable failed"
    say "enabled agentic-pipeline.service and agentic-pipeline-health.timer (in ${root})"
  fi
elif [[ ! -d /run/systemd/system ]]; then
  # a container or chroot without systemd as init: the files are in place, nothing to tell
  say "systemd is not running here: units installed; enable with systemctl enable agentic-pipeline.service agentic-pipeline-health.timer"
  [[ "${start}" -eq 0 ]] || fail "--start needs a running systemd"
else
  [[ "${changed}" -eq 0 ]] || systemctl daemon-reload
  if [[ "${enable}" -eq 1 ]]; then
    systemctl enable agentic-pipeline.service agentic-pipeline-health.timer >/dev/null
    say "enabled agentic-pipeline.service and agentic-pipeline-health.timer"
  fi
  if [[ "${start}" -eq 1 ]]; then
    systemctl restart agentic-pipeline.service
    systemctl start agentic-pipeline-health.timer
    say "started: systemctl status agentic-pipeline"
  fi
fi

echo "done. Settings: ${HOME_DIR}/.env (mode 0600, owner ${USER_NAME}) or /etc/agentic-pipeline.env"
echo "     First run: sudo -u ${USER_NAME} STUDIO_HOME=${HOME_DIR} node ${APP_DIR}/bin/studio.js db migrate"
