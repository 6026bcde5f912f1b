#!/bin/sh
# Hangs like a script waiting on an unreachable server. It starts a child (whose pid it records
# in $STATE_DIR/child.pid) and waits; with "stubborn" it ignores SIGTERM, as do its children.
#   sleepy.sh [stubborn]
[ "${1:-}" = stubborn ] && trap '' TERM
sleep 30 &
echo $! > "$STATE_DIR/child.pid"
echo "waiting for the server"
wait
