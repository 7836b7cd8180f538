#!/usr/bin/env bash
# Run a command (the dev server) beside `manage.py run_worker`, which publishes
# scheduled pages at their instant and sends webhooks (every WORKER_INTERVAL
# seconds, 10); the worker stops with the command.
# Usage: scripts/with-scheduler.sh PYTHON COMMAND...
set -uo pipefail
python="$1"
shift
"$python" manage.py run_worker >/dev/null &
worker=$!
stop_worker() {
    kill -TERM "$worker" 2>/dev/null
    wait "$worker" 2>/dev/null
    return 0
}
trap 'stop_worker; exit 130' INT TERM
"$@"
status=$?
stop_worker
exit "$status"
