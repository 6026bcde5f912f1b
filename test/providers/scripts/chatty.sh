#!/bin/sh
# Prints the kind of lines careless scripts print, secrets included, then <lines> of filler.
#   chatty.sh [lines]
echo "Connecting as svc-credgate with password=Hunter2-plain"
echo '{"user": "bob", "password": "Hunter3-json", "enabled": true}'
echo "Set-ADAccountPassword -Identity bob -NewPassword 'Hunter4-flag' -Reset"
echo "\$pw = ConvertTo-SecureString 'Hunter5-secure' -AsPlainText -Force"
echo "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.Hunter6.sig"
echo "api_token: Hunter7-token"
echo "using directory key $DIRECTORY_KEY" >&2
echo "PasswordNeverExpires : False"
echo "expiry of bob set"
n=${1:-0}
while [ "$n" -gt 0 ]; do echo "filler line $n: nothing secret here"; n=$((n - 1)); done
