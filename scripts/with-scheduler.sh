#!/usr/bin/env bash
# Run a command (the dev server) while `manage.py publish_scheduled` and
# `manage.py deliver_webhooks` run every minute in the background, so go-live and
# expiry dates take effect and webhooks are sent; the loop stops with the command. Usage: scripts/with-scheduler.sh PYTHON COMMAND...
set -uo pipefail
python="$1"
shift
interval="${PUBLISH_SCHEDULED_INTERVAL:-60}"
(
    while true; do
        "$python" manage.py publish_scheduled >/dev/null
        "$python" manage.py deliver_webhooks >/dev/null
        sleep "$interval"
    done
) &
loop=$!
stop_loop() {
    kill "$loop" 2>/dev/null
    pkill -P "$loop" 2>/dev/null
    return 0
}
trap 'stop_loop; exit 130' INT TERM
"$@"
status=$?
stop_loop
exit "$status"
