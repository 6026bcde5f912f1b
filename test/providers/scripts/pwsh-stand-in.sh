#!/bin/sh
# A stand-in for `pwsh` (PowerShell is not installable on the test machines): records its argv
# NUL-separated to $STATE_DIR/argv, insists on `-File <existing script>` as pwsh would, and for
# Reset-AccountPassword.ps1 -Handoff:Stdout answers as the real script does: a status line, then
# {"secret":"..."} on stdout.
set -eu
: "${STATE_DIR:?STATE_DIR is not set}"
printf '%s\0' "$@" > "$STATE_DIR/argv"
file=
while [ $# -gt 0 ]; do
  case "$1" in
    -File) file=${2:-}; shift 2; break ;;
    -NoProfile|-NonInteractive) shift ;;
    *) echo "pwsh stand-in: unexpected option $1 before -File" >&2; exit 64 ;;
  esac
done
[ -f "$file" ] || { echo "The argument '$file' is not recognized as the name of a script file." >&2; exit 64; }
case "$file" in
  */Reset-AccountPassword.ps1)
    for arg in "$@"; do
      if [ "$arg" = "-Handoff:Stdout" ]; then
        secret=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
        echo "$secret" > "$STATE_DIR/secret"
        echo "credgate Reset-AccountPassword: password reset"
        printf '{"secret":"%s"}\n' "$secret"
        exit 0
      fi
    done
    echo "credgate Reset-AccountPassword: bad or missing -RunId"
    exit 2
    ;;
esac
echo "credgate $(basename "$file" .ps1): done"
exit 0
