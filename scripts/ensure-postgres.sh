#!/usr/bin/env bash
# Makes sure the PostgreSQL named by DATABASE_URL (default: the local server on
# 127.0.0.1:5432) answers. Starts a local cluster that is installed but down;
# says exactly what to do when none is installed.
set -euo pipefail
url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/callwright}
# host:port of the URL (user@host:port/db); good enough for the forms we document.
hostport=$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=5432

up() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if up; then exit 0; fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) echo "PostgreSQL at $host:$port (from DATABASE_URL) does not answer; start it or fix DATABASE_URL." >&2; exit 1 ;;
esac

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  echo "[setup] starting the local PostgreSQL $ver cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do up && exit 0; sleep 1; done
  echo "PostgreSQL $ver was started but does not answer on $host:$port; see /var/log/postgresql/." >&2
  exit 1
fi

cat >&2 <<MSG
PostgreSQL is not installed and nothing answers on $host:$port.
Install it with:   sudo apt-get install -y postgresql && sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start
and allow local trust (or password) logins for the user in DATABASE_URL,
or point DATABASE_URL at any PostgreSQL 14+ server.
MSG
exit 1
