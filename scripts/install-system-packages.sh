#!/usr/bin/env bash
# Debian packages the tests drive for real: OpenLDAP's slapd (the ldap provider's tests start their
# own server on a loopback port) and Chromium (the one-time link page and the service-desk page are
# tested in a real browser through playwright-core), Request Tracker 5 (the rt connector's tests start
# a real RT on SQLite; rt5-standalone brings the Starlet server, rt5-clients the CLI). Needs root;
# does nothing when all are present.
set -euo pipefail
missing=()
command -v /usr/sbin/slapd >/dev/null 2>&1 || missing+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
command -v /usr/bin/chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/share/request-tracker5/libexec/rt-server ] || missing+=(request-tracker5 rt5-standalone)
[ -x /usr/sbin/rt-setup-database-5 ] || missing+=(request-tracker5)
perl -MDBD::SQLite -e 1 >/dev/null 2>&1 || missing+=(rt5-db-sqlite)
perl -MStarlet -e 1 >/dev/null 2>&1 || missing+=(rt5-standalone)
command -v rt >/dev/null 2>&1 || missing+=(rt5-clients)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need ${missing[*]}: run 'sudo bash scripts/install-system-packages.sh' once" >&2
  exit 1
fi
# A package named by two checks is installed once.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "== installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
# The Debian package starts a system slapd on port 389; the tests run their own, so stop it.
if pgrep -x slapd >/dev/null 2>&1; then
  service slapd stop >/dev/null 2>&1 || pkill -x slapd || true
fi
