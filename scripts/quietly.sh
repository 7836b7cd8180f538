#!/usr/bin/env bash
# Run a command without its chatter: print one line saying what happens, keep the
# command's output aside, and show it in full only if the command fails.
# Usage: scripts/quietly.sh "Message…" COMMAND...  (an empty message prints nothing)
set -uo pipefail
message="$1"
shift
[ -z "$message" ] || echo "$message"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if "$@" >"$log" 2>&1; then
    exit 0
else
    status=$?
fi
cat "$log" >&2
echo "Échec (code ${status}) : $*" >&2
exit "$status"
