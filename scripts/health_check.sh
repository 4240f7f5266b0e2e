#!/usr/bin/env bash
# The operations manual's health check, at /opt/agentic-startup-studio/scripts/health_check.sh (the install
# path of deploy/agentic-pipeline.service), on top of `studio health`. One block per run, for cron:
#   */5 * * * * studio /opt/agentic-startup-studio/scripts/health_check.sh >> /var/log/health_check.log 2>&1
# (a line in /etc/cron.d, run as the studio user), or for deploy/agentic-pipeline-health.timer.
#
# Exit codes follow the monitoring-plugins convention (Nagios, Icinga, Sensu, Zabbix agents):
#   0 OK        every service HEALTHY
#   1 WARNING   the worst service is WARNING
#   2 CRITICAL  the worst is CRITICAL or EMERGENCY, or the database cannot be reached
#   3 UNKNOWN   the check itself could not run: no node, no studio at this install path, STUDIO_HOME
#               missing, a configuration error, node crashed or printed no report
# The first line is the verdict ("STUDIO WARNING - openai: answered HTTP 429"), as monitoring agents expect.
#
# Environment:
#   STUDIO_HOME  default /var/lib/agentic-startup-studio (as in the unit). Always exported, so studio never
#                falls back to the working directory (cron runs in $HOME).
#   STUDIO_NODE  the node binary (default: node on PATH, else /usr/local/bin/node, /usr/bin/node)
# Arguments are passed to `studio health` (e.g. --record when no scheduler runs, --timeout 10s).
set -u

readonly OK=0 WARNING=1 CRITICAL=2 UNKNOWN=3

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
install_dir="$(dirname -- "${here}")"
studio_js="${install_dir}/bin/studio.js"
export STUDIO_HOME="${STUDIO_HOME:-/var/lib/agentic-startup-studio}"

# Print the verdict line and the manual's block, then exit with the plugin code.
finish() {
  local code="$1" text="$2" details="${3:-}"
  local names=(OK WARNING CRITICAL UNKNOWN)
  local icons=("✅" "⚠️ " "❌" "❓")
  echo "STUDIO ${names[$code]} - ${text}"
  echo "=== STUDIO HEALTH CHECK ==="
  echo "Timestamp: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "STUDIO_HOME: ${STUDIO_HOME}"
  if [[ -n "${details}" ]]; then
    printf '%s\n' "${details}"
  fi
  case "${code}" in
    "${OK}") echo "${icons[0]} All systems healthy" ;;
    "${WARNING}") echo "${icons[1]} WARNING: increased monitoring (see above)" ;;
    "${CRITICAL}") echo "${icons[2]} CRITICAL: immediate investigation (see above)" ;;
    *) echo "${icons[3]} UNKNOWN: the health check could not run (see above)" ;;
  esac
  exit "${code}"
}

node_bin=""
for candidate in "${STUDIO_NODE:-}" node /usr/local/bin/node /usr/bin/node; do
  if [[ -n "${candidate}" ]] && command -v -- "${candidate}" >/dev/null 2>&1; then
    node_bin="$(command -v -- "${candidate}")"
    break
  fi
done
[[ -n "${node_bin}" ]] || finish "${UNKNOWN}" "node not found; install Node.js >= 20.19 or set STUDIO_NODE"
[[ -f "${studio_js}" ]] || finish "${UNKNOWN}" "no studio at ${studio_js}; install the release in ${install_dir}"
[[ -d "${STUDIO_HOME}" ]] || finish "${UNKNOWN}" "STUDIO_HOME ${STUDIO_HOME} does not exist; run scripts/install-systemd.sh or set STUDIO_HOME"

errors_file="$(mktemp "${TMPDIR:-/tmp}/studio-health.XXXXXX")" || finish "${UNKNOWN}" "cannot create a temporary file"
trap 'rm -f -- "${errors_file}"' EXIT

report="$(NO_COLOR=1 "${node_bin}" "${studio_js}" health "$@" --json 2>"${errors_file}")"
code=$?
errors="$(head -c 2000 -- "${errors_file}")"

# Only a complete JSON report whose level matches the exit code is a verdict; anything else (a crash, a
# configuration error, a killed process) means the check did not run. Node reads the JSON (no jq needed)
# and prints the verdict's reason, then one line per service.
read -r -d '' summarize <<'JS'
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => {
    const codes = { HEALTHY: 0, WARNING: 1, CRITICAL: 2, EMERGENCY: 2 };
    const report = JSON.parse(text);
    if (!(report.level in codes) || !Array.isArray(report.services)) process.exit(9);
    if (codes[report.level] !== Number(process.argv[1])) process.exit(9);
    const bad = report.services.filter((s) => s.level !== "HEALTHY");
    const first = bad.find((s) => s.level === report.level) ?? bad[0];
    console.log(first ? `${first.name}: ${String(first.reason).split("\n")[0]}` : "all systems healthy");
    for (const s of report.services) console.log(`${s.level === "HEALTHY" ? "✅" : s.level === "WARNING" ? "⚠️ " : "❌"} ${s.name}: ${s.level} (${String(s.reason).split("\n")[0]})`);
  });
JS
summary="$(printf '%s' "${report}" | "${node_bin}" -e "${summarize}" "${code}" 2>/dev/null)"
parsed=$?

if [[ "${parsed}" -ne 0 ]]; then
  if [[ "${code}" -gt 128 ]]; then
    why="studio health was killed by signal $((code - 128))"
  else
    why="studio health exited ${code} without a report"
  fi
  finish "${UNKNOWN}" "${why}" "${errors:-(nothing on stderr)}"
fi
finish "${code}" "$(head -n 1 <<<"${summary}")" "$(tail -n +2 <<<"${summary}")"
