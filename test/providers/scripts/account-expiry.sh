#!/bin/sh
# A stand-in for a directory script (Set-AccountExpiry.ps1): keeps one account's expiry in
# $STATE_DIR/account, so a test can read the "system's" state after credgate ran it.
#   account-expiry.sh set|clear|show|disable -- <account> [expiresAt]
# Every argv element is written NUL-separated to $STATE_DIR/argv, the CREDGATE_* environment to
# $STATE_DIR/env, so tests can check what arrived exactly as it arrived.
set -eu
: "${STATE_DIR:?STATE_DIR is not set}"
printf '%s\0' "$@" > "$STATE_DIR/argv"
env | grep -E '^(CREDGATE_|PATH=|HOME=|STATE_DIR=|DIRECTORY_|LEAK)' | sort > "$STATE_DIR/env" || true

action=$1
shift
[ "${1:-}" = "--" ] && shift
account=${1:?no account}
state="$STATE_DIR/account"

# Idempotent by key: a retried call with the same key changes nothing.
if [ -n "${CREDGATE_IDEMPOTENCY_KEY:-}" ] && [ "$action" != show ] && grep -qxF "$CREDGATE_IDEMPOTENCY_KEY" "$STATE_DIR/keys" 2>/dev/null; then
  echo "already done: $CREDGATE_IDEMPOTENCY_KEY"
  exit 0
fi

case "$action" in
  set)
    printf 'account=%s\nexpiresAt=%s\nenabled=true\n' "$account" "${2:-}" > "$state"
    echo "expiry of $account set to ${2:-never}"
    ;;
  clear)
    printf 'account=%s\nexpiresAt=%s\nenabled=false\n' "$account" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$state"
    echo "access of $account ended"
    ;;
  disable)
    printf 'account=%s\nexpiresAt=\nenabled=false\n' "$account" > "$state"
    echo "$account disabled"
    ;;
  show)
    if [ ! -f "$state" ]; then echo '{"exists":false}'; exit 0; fi
    expires=$(sed -n 's/^expiresAt=//p' "$state")
    enabled=$(sed -n 's/^enabled=//p' "$state")
    echo "reading $account"
    printf '{"exists":true,"enabled":%s,"expiresAt":"%s"}\n' "$enabled" "$expires"
    exit 0
    ;;
  *)
    echo "unknown action $action" >&2
    exit 64
    ;;
esac
[ -n "${CREDGATE_IDEMPOTENCY_KEY:-}" ] && echo "$CREDGATE_IDEMPOTENCY_KEY" >> "$STATE_DIR/keys"
exit 0
