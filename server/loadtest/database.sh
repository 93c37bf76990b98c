#!/usr/bin/env bash
# database.sh: the demo site's watch list under load, on SQLite and on
# PostgreSQL in the same run (issue 15).
#
#   bash server/loadtest/database.sh                 # about 2 minutes
#   DURATION=5s CONNS=64 bash server/loadtest/database.sh
#
# For each backend it starts miniweb (-dev=false, access log off) on a new
# database: SQLite in a temporary folder, or a throwaway PostgreSQL cluster
# (Debian's postgresql package, run as user postgres when this runs as
# root; synchronous_commit off, which is SQLite's WAL synchronous=NORMAL:
# a crash may lose the last commits, never corrupt). Then it registers USERS
# users (64), each following 5 stocks, and runs wrk (-t1 -c CONNS, keep-alive)
# over two workloads, each request from the next user in turn:
#
#   watchlist   GET /watchlist.py: the signed-in user's list, one query
#   add/del     POST /add/{code}.py then POST /del/{code}.py, each a write
#               transaction; every answer must be 303
#
# wrk's latency distribution gives p99. The two processes and wrk share the
# machine's cores (no pinning: PostgreSQL is a third process). Output: one
# markdown table; logs in the temporary folder, removed unless KEEP=1.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
USERS=${USERS:-64}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d /tmp/miniweb-dbload.XXXXXX)
chmod 755 "$TMP"
PIDS=()
log() { echo "database.sh: $*" >&2; }
cleanup() {
	# The cluster's postmaster, by the PID it recorded: runuser may not pass
	# the signal on.
	if [[ -f $TMP/pg/postmaster.pid ]]; then kill -INT "$(head -n1 "$TMP/pg/postmaster.pid")" 2>/dev/null || true; fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${KEEP:-0} == 1 ]]; then log "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }
}
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
bash "$ROOT/.ci/setup-postgres" >&2
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")

log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
cp -r "$ROOT/static" "$TMP/static"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# as_pg runs a PostgreSQL tool as user postgres when we are root.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres starts a cluster and sets URL to its database "site".
start_postgres() {
	local data=$TMP/pg port
	port=$(free_port)
	mkdir -p "$data" && chown postgres "$data" 2>/dev/null || true
	as_pg "$PGBIN/initdb" -D "$data" -U miniweb -A trust -E UTF8 --locale=C --no-sync >"$TMP/initdb.log" 2>&1
	as_pg "$PGBIN/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
		-c max_connections=200 -c synchronous_commit=off >"$TMP/postgres.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do
		as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
		sleep 0.1
	done
	as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U miniweb site
	URL="postgres://miniweb@127.0.0.1:$port/site?sslmode=disable"
}

# start_miniweb URL starts the demo on the database at URL and sets ADDR
# to its address.
start_miniweb() {
	local url=$1 port
	port=$(free_port)
	cat >"$TMP/miniweb.toml" <<EOF
static = "static"
templates = "$ROOT/templates"
site = "demo"
dev = false
[access_log]
enabled = false
[database]
url = "$url"
EOF
	MINIWEB_SESSION_SECRET=load-test-secret-0123456789abcdefghij \
		"$TMP/miniweb" -config "$TMP/miniweb.toml" -addr "127.0.0.1:$port" >>"$TMP/miniweb.log" 2>&1 &
	MINIWEB_PID=$!
	PIDS+=("$MINIWEB_PID")
	for _ in $(seq 100); do
		curl -fso /dev/null "http://127.0.0.1:$port/index.py" && break
		sleep 0.1
	done
	ADDR="127.0.0.1:$port"
}

# users ADDR registers USERS users, each following 5 stocks, and writes a
# Lua list of their session cookies to $TMP/cookies.lua.
users() {
	local addr=$1 i jar cookie codes
	codes=(600519 000001 600036 000858 601318)
	echo "cookies = {" >"$TMP/cookies.lua"
	for i in $(seq "$USERS"); do
		jar=$TMP/jar.$i
		curl -fsS -o /dev/null -c "$jar" -d "name=load$i&password=load-password-$i" "http://$addr/register.py"
		for c in "${codes[@]}"; do
			curl -fsS -o /dev/null -b "$jar" -c "$jar" -X POST "http://$addr/add/$c.py"
		done
		cookie=$(awk '$6 != "" && $1 !~ /^#/ { print $6 "=" $7 }' "$jar" | tr '\n' ';')
		echo "  \"$cookie\"," >>"$TMP/cookies.lua"
	done
	echo "}" >>"$TMP/cookies.lua"
}

cat >"$TMP/watchlist.lua" <<'EOF'
dofile(os.getenv("COOKIES"))
local n = 0
request = function()
	n = n + 1
	return wrk.format("GET", "/watchlist.py", { ["Cookie"] = cookies[n % #cookies + 1] })
end
EOF
# add/del: user k's requests go add, del, add, del on stock 300750 (which
# the users do not follow at start). wrk's connections run in parallel, so
# one user's add and the del after it may be in flight together; the del
# then finds nothing to remove, which still answers 303.
cat >"$TMP/adddel.lua" <<'EOF'
dofile(os.getenv("COOKIES"))
local n = 0
request = function()
	n = n + 1
	local user = n % #cookies + 1
	local verb = (math.floor(n / #cookies) % 2 == 0) and "add" or "del"
	return wrk.format("POST", "/" .. verb .. "/300750.py", { ["Cookie"] = cookies[user], ["Content-Length"] = "0" })
end
local bad = 0
response = function(status, headers, body)
	if status ~= 303 then bad = bad + 1 end
end
done = function(summary, latency, requests)
	io.stderr:write(string.format("non-303: %d\n", bad))
end
EOF

# measure NAME SCRIPT ADDR prints one row: req/s, p50, p99, errors.
measure() {
	local backend=$1 name=$2 script=$3 addr=$4 out
	COOKIES=$TMP/cookies.lua wrk -t1 -c"$CONNS" -d2s -s "$script" "http://$addr" >/dev/null 2>&1 # warm-up
	out=$(COOKIES=$TMP/cookies.lua wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$script" "http://$addr" 2>&1)
	echo "$out" >>"$TMP/wrk.log"
	local rps p50 p99 errs non
	rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	errs=$(awk '/Socket errors/ { print $0 }' <<<"$out" | sed 's/.*Socket errors: //')
	non=$(awk '/Non-2xx or 3xx/ { print $NF }' <<<"$out")
	local bad
	bad=$(awk '/^non-303:/ { print $2 }' <<<"$out")
	printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$name" "$rps" "$p50" "$p99" "${errs:-none}; non-2xx/3xx ${non:-0}${bad:+; non-303 $bad}"
}

echo "| backend | workload (c$CONNS) | req/s | p50 | p99 | errors |"
echo "|---|---|---:|---:|---:|---|"
for backend in sqlite postgres; do
	if [[ $backend == sqlite ]]; then
		URL="sqlite:$TMP/sqlite/site.db"
	else
		start_postgres
	fi
	start_miniweb "$URL"
	addr=$ADDR
	log "$backend: registering $USERS users on $addr"
	users "$addr"
	measure "$backend" "GET /watchlist.py" "$TMP/watchlist.lua" "$addr"
	measure "$backend" "POST /add, /del" "$TMP/adddel.lua" "$addr"
	kill "$MINIWEB_PID"
	wait "$MINIWEB_PID" 2>/dev/null || true
	if grep -qi "locked" "$TMP/miniweb.log"; then log "$backend: the log mentions a lock:"; grep -i locked "$TMP/miniweb.log" | head -3 >&2; fi
done
