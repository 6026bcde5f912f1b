#!/bin/sh
# Sets a new random password on the account (kept in $STATE_DIR/password, the "system") and
# prints it the way credgate reads it:
#   rotate-password.sh json|plain|none -- <account>
set -eu
: "${STATE_DIR:?STATE_DIR is not set}"
mode=$1
account=$3
new="Pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')\"q"
printf '%s' "$new" > "$STATE_DIR/password"
echo "rotating the password of $account" >&2
case "$mode" in
  json)
    echo "connecting to the directory"
    # The escaped form of the new password, as a JSON encoder writes it.
    escaped=$(printf '%s' "$new" | sed 's/\\/\\\\/g; s/"/\\"/g')
    echo "debug: new value is $new"
    printf '{"secret":"%s"}\n' "$escaped"
    ;;
  plain)
    printf '%s\n' "$new"
    ;;
  none)
    echo "done, but forgot to print it"
    ;;
esac
