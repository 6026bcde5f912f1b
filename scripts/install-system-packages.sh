#!/usr/bin/env bash
# Debian packages the tests drive for real: OpenLDAP's slapd (the ldap provider's tests start their
# own server on a loopback port), Chromium (the one-time link page and the service-desk page are
# tested in a real browser through playwright-core), Request Tracker 5 (the rt connector's tests start
# a real RT on SQLite; rt5-standalone brings the Starlet server, rt5-clients the CLI), Samba as an AD
# domain controller and rsyslog. Needs root; does nothing when all are present.
set -euo pipefail
missing=()
command -v /usr/sbin/slapd >/dev/null 2>&1 || missing+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
command -v /usr/bin/chromium >/dev/null 2>&1 || missing+=(chromium)
# rsyslogd with its TLS driver: the audit sink's syslog test sends to a real one.
command -v /usr/sbin/rsyslogd >/dev/null 2>&1 || missing+=(rsyslog)
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || missing+=(rsyslog-gnutls)
# A Samba AD domain controller: the ldap provider's Active Directory flavour is tested against a real
# one (test/helpers/samba-ad.ts); samba-ad-provision holds the AD schema that provisioning loads.
command -v /usr/sbin/samba >/dev/null 2>&1 || missing+=(samba samba-ad-dc winbind krb5-user smbclient)
[ -d /usr/share/samba/setup/ad-schema ] || missing+=(samba-ad-provision samba-ad-dc)
[ -x /usr/share/request-tracker5/libexec/rt-server ] || missing+=(request-tracker5 rt5-standalone)
[ -x /usr/sbin/rt-setup-database-5 ] || missing+=(request-tracker5)
perl -MDBD::SQLite -e 1 >/dev/null 2>&1 || missing+=(rt5-db-sqlite)
perl -MStarlet -e 1 >/dev/null 2>&1 || missing+=(rt5-standalone)
command -v rt >/dev/null 2>&1 || missing+=(rt5-clients)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need ${missing[*]}: run 'sudo bash scripts/install-system-packages.sh' once" >&2
  exit 1
fi
echo "== installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
# The Debian packages start a system slapd (port 389) and rsyslogd; the tests run their own.
if pgrep -x slapd >/dev/null 2>&1; then
  service slapd stop >/dev/null 2>&1 || pkill -x slapd || true
fi
if [ -e /run/rsyslogd.pid ]; then
  service rsyslog stop >/dev/null 2>&1 || kill "$(cat /run/rsyslogd.pid)" 2>/dev/null || true
fi
