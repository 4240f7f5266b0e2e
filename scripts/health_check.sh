#!/usr/bin/env bash
# The operations manual's health_check.sh on top of `studio health`: one block per run, suitable for cron
#   */5 * * * * /opt/studio/scripts/health_check.sh >> /var/log/health_check.log 2>&1
# Exit code: 0 HEALTHY, 1 WARNING, 2 CRITICAL or EMERGENCY (database unreachable included).
# STUDIO (default: bin/studio.js next to this script) and STUDIO_HOME may be set in the environment.
# Pass --record to also record states, raise incidents and send notifications when no scheduler runs.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
studio="${STUDIO:-node ${here}/../bin/studio.js}"

echo "=== STUDIO HEALTH CHECK ==="
echo "Timestamp: $(date -u +%Y-%m-%dT%H:%M:%SZ)"

output="$($studio health "$@" 2>&1)"
code=$?
echo "$output"
case $code in
  0) echo "✅ All systems healthy" ;;
  1) echo "⚠️  WARNING: increased monitoring (see above)" ;;
  2) echo "❌ CRITICAL: immediate investigation (see above)" ;;
  *) echo "❌ studio health failed to run (exit $code)"; code=2 ;;
esac
exit $code
