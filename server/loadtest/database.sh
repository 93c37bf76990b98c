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
# users (64), each following 5 stocks (and visiting the watch list once,
# which shows and clears the flash messages those left in the session), and
# runs wrk (-t1 -c CONNS, keep-alive) over two workloads, each request from
# the next user in turn:
#
#   watchlist   GET /watchlist.py: the signed-in user's list (one statement
#               of one row: the session's check and the list's tag; the
#               list from memory while its tag is unchanged, and the
#               stocks' names and prices from the market in memory)
#   add/del     POST /add/{code}.py then POST /del/{code}.py, each a write
#               transaction answered 303 to /watchlist.py
#
# On SQLite the watch list is also measured on Flask (flask/app.py, under
# gunicorn with one sync worker, installed by .ci/setup-flask): Python's
# sqlite3 on a copy of the database miniweb made, taken before any add/del,
# with two statements (the user, then the list: what miniweb ran until
# 2026-12-08; it now joins them), the same templates and the same session
# cookies; its answers must equal miniweb's byte for byte. The row's
# "× Flask" is Flask's CPU time per request over miniweb's.
#
# Pinning: the server measured (miniweb with GOMAXPROCS=1, or gunicorn's
# worker) on core 0, wrk on core 1; PostgreSQL, a third process, where the
# scheduler puts it. The server's CPU time per request is utime+stime from
# /proc/PID/stat over the measure. ROUNDS (default 1) repeats the measures,
# one row per round.
#
# Checks (check.sh), before and after each measure, for the first and the
# last user: the watch list is a 200 of 3,800 to 4,100 bytes (3,942 with a
# one-digit user name) that names the user ("Signed in as <strong>load1")
# and holds a row for each of the five stocks followed, with no flash
# message and no Set-Cookie; on Flask, miniweb's bytes exactly. An add or
# del is a 303 to /watchlist.py (a visitor's would go to /login.py). During
# the measure, status.lua counts every answer of another status (or, for
# add/del, another Location), and the bytes per answer must fit. A failed
# check measures nothing more of that backend, and the script exits 1.
# BREAK=cookie tampers with every session cookie after the set-up, to see
# the checks refuse the log-in redirect that then answers.
#
# wrk's latency distribution gives p99. Output: one markdown table; logs in
# the temporary folder, removed unless KEEP=1.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
USERS=${USERS:-64}
ROUNDS=${ROUNDS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d /tmp/miniweb-dbload.XXXXXX)
chmod 755 "$TMP"
# shellcheck source=check.sh
. "$HERE/check.sh"
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

command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
bash "$ROOT/.ci/setup-postgres" >&2
FLASK=1
bash "$ROOT/.ci/setup-flask" >&2 || { FLASK=; log "Flask cannot be installed: measured without it"; }
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")

log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
cp -r "$ROOT/static" "$TMP/static"

SECRET=load-test-secret-0123456789abcdefghij
CODES=(600519 000001 600036 000858 601318) # the stocks every user follows

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
	MINIWEB_SESSION_SECRET=$SECRET GOMAXPROCS=1 taskset -c 0 \
		"$TMP/miniweb" -config "$TMP/miniweb.toml" -addr "127.0.0.1:$port" >>"$TMP/miniweb.log" 2>&1 &
	MINIWEB_PID=$!
	PIDS+=("$MINIWEB_PID")
	for _ in $(seq 100); do
		curl -fso /dev/null "http://127.0.0.1:$port/index.py" && break
		sleep 0.1
	done
	ADDR="127.0.0.1:$port"
}

# users ADDR registers USERS users, each following the 5 stocks of CODES,
# visits each one's watch list once (which shows and so clears the flash
# messages the follows left in the session: the page measured has none and
# sets no cookie), and writes a Lua list of their session cookies to
# $TMP/cookies.lua and each one's Cookie header to $TMP/cookie.N.
users() {
	local addr=$1 i jar cookie
	echo "cookies = {" >"$TMP/cookies.lua"
	for i in $(seq "$USERS"); do
		jar=$TMP/jar.$i
		# Each user from a loopback address of its own: the demo throttles
		# sign-ups per address (issue 28).
		curl -fsS -o /dev/null -c "$jar" --interface "127.0.$((i / 250)).$((i % 250 + 2))" \
			-d "name=load$i&password=load-password-$i" "http://$addr/register.py"
		for c in "${CODES[@]}"; do
			curl -fsS -o /dev/null -b "$jar" -c "$jar" -X POST "http://$addr/add/$c.py"
		done
		curl -fsS -o /dev/null -b "$jar" -c "$jar" "http://$addr/watchlist.py"
		# curl writes an HttpOnly cookie as "#HttpOnly_127.0.0.1 ...": a
		# cookie, not a comment.
		cookie=$(awk '{ sub(/^#HttpOnly_/, "") } /^#/ || NF < 7 { next } { printf "%s=%s;", $6, $7 }' "$jar")
		[ -n "$cookie" ] || { log "user $i: no session cookie in $jar"; exit 1; }
		if [ "${BREAK:-}" = cookie ]; then cookie=$(sed 's/=\(.\{20\}\)\(.\)/=\1\2\2/' <<<"$cookie"); fi
		echo "$cookie" >"$TMP/cookie.$i"
		echo "  \"$cookie\"," >>"$TMP/cookies.lua"
	done
	echo "}" >>"$TMP/cookies.lua"
}

# check_watchlist WHAT ADDR [SAME]: the watch list of the first and the
# last user, as the header says; SAME=1 also wants miniweb's bytes, kept
# from its first check in $TMP/watchlist.N.
check_watchlist() {
	local what=$1 addr=$2 same=${3:-0} i markers c
	for i in 1 "$USERS"; do
		markers="Signed in as <strong>load$i</strong>"
		for c in "${CODES[@]}"; do markers="$markers|<tr data-code=\"$c\">"; done
		NOCOOKIE=1 check_answer "$what, user $i" "http://$addr/watchlist.py" 200 3800 4100 "$markers" "" \
			-H "Cookie: $(cat "$TMP/cookie.$i")" || return 1
		if grep -qF 'class="flashes"' "$TMP/check.body"; then
			check_fail "$what, user $i: the watch list shows flash messages"
			return 1
		fi
		if [ "$same" = 1 ]; then
			if ! cmp -s "$TMP/check.body" "$TMP/watchlist.$i"; then
				check_fail "$what, user $i: not miniweb's bytes ($(wc -c <"$TMP/check.body") against $(wc -c <"$TMP/watchlist.$i"); $(cmp "$TMP/check.body" "$TMP/watchlist.$i" 2>&1 | head -1))"
				return 1
			fi
		else
			cp "$TMP/check.body" "$TMP/watchlist.$i"
		fi
	done
}

# unfollow_all ADDR: every user unfollows 300750 (each a 303 to the watch
# list), which the add/del workload may have left followed (wrk stops
# between an add and its del), so that the next round's watch lists are
# the five stocks again.
unfollow_all() {
	local addr=$1 i
	for i in $(seq "$USERS"); do
		curl -fsS -o /dev/null -X POST -H "Content-Length: 0" -H "Cookie: $(cat "$TMP/cookie.$i")" "http://$addr/del/300750.py" || return 1
	done
}

# check_adddel WHAT ADDR: an add and a del of user 1 answer 303 to the
# watch list (which leaves the list as it was).
check_adddel() {
	local what=$1 addr=$2 verb
	for verb in add del; do
		check_answer "$what, $verb" "http://$addr/$verb/300750.py" 303 0 512 "" /watchlist.py \
			-X POST -H "Content-Length: 0" -H "Cookie: $(cat "$TMP/cookie.1")" || return 1
	done
}

cat >"$TMP/watchlist.lua" <<'EOF'
dofile(os.getenv("STATUS_LUA"))
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
# then finds nothing to remove, which still answers 303 to /watchlist.py.
cat >"$TMP/adddel.lua" <<'EOF'
dofile(os.getenv("STATUS_LUA"))
dofile(os.getenv("COOKIES"))
local n = 0
request = function()
	n = n + 1
	local user = n % #cookies + 1
	local verb = (math.floor(n / #cookies) % 2 == 0) and "add" or "del"
	return wrk.format("POST", "/" .. verb .. "/300750.py", { ["Cookie"] = cookies[user], ["Content-Length"] = "0" })
end
EOF

TCK=$(getconf CLK_TCK)
declare -A CPU # CPU[backend.workload.server.round]: µs per request, for the ratio

# measure BACKEND NAME SCRIPT ADDR SERVER PID ROUND WANT MIN MAX prints
# one row: req/s, p50, p99, socket errors, the server's CPU µs per request
# (PID's) and, for Flask, its ratio to miniweb's of the same round. WANT is
# the status every answer must have ("303 /watchlist.py": and that
# Location), MIN and MAX the bytes per answer, head included. It returns 1
# when wrk saw another answer.
measure() {
	local backend=$1 name=$2 script=$3 addr=$4 server=$5 pid=$6 round=$7 want=$8 min=$9 max=${10} out t0 t1
	local status=${want%% *} location=
	[[ $want != *" "* ]] || location=${want#* }
	export COOKIES=$TMP/cookies.lua STATUS_LUA=$HERE/status.lua WANT_STATUS=$status WANT_LOCATION=$location
	taskset -c 1 wrk -t1 -c"$CONNS" -d2s -s "$script" "http://$addr" >/dev/null 2>&1 # warm-up
	t0=$(cputicks "$pid")
	out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --timeout 5s --latency -s "$script" "http://$addr" 2>&1)
	t1=$(cputicks "$pid")
	echo "== $backend $name $server round $round" >>"$TMP/wrk.log"
	echo "$out" >>"$TMP/wrk.log"
	local rps p50 p99 errs reqs per ours ratio=—
	rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	errs=$(awk '/Socket errors/ { print $0 }' <<<"$out" | sed 's/.*Socket errors: //')
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	per=$(awk -v c=$((t1 - t0)) -v hz="$TCK" -v n="$reqs" 'BEGIN { printf "%.1f", (n > 0 ? c / hz / n * 1e6 : 0) }')
	CPU[$backend.$name.$server.$round]=$per
	ours=${CPU[$backend.$name.miniweb.$round]:-}
	if [ "$server" = flask ] && [ -n "$ours" ]; then
		ratio=$(awk -v a="$per" -v b="$ours" 'BEGIN { printf "%.2f× cpu", (b > 0 ? a / b : 0) }')
	fi
	local verdict=ok
	wrk_verdict "$backend $name $server round $round" "$out" "$min" "$max" "$CONNS" || verdict="CHECK FAILED"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$name" "$server" "$round" "$rps" "$p50" "$p99" \
		"${errs:-none}" "$per" "$ratio; $verdict"
	[ "$verdict" = ok ]
}

# start_flask DB starts the Flask peer on the SQLite file DB, pinned to core
# 0, and sets FLASK_ADDR, FLASK_PID (gunicorn's master) and FLASK_WORKER
# (its one worker, whose CPU time counts).
start_flask() {
	local port
	port=$(free_port)
	MINIWEB_TEMPLATES=$ROOT/templates MINIWEB_STATIC=$ROOT/static MINIWEB_SESSION_SECRET=$SECRET MINIWEB_SQLITE=$1 \
		taskset -c 0 /usr/bin/python3 -m gunicorn -w 1 -k sync -b "127.0.0.1:$port" --backlog 4096 \
		--chdir "$HERE/flask" app:app >>"$TMP/flask.log" 2>&1 &
	FLASK_PID=$!
	PIDS+=("$FLASK_PID")
	for _ in $(seq 100); do
		curl -so /dev/null "http://127.0.0.1:$port/about.py" && break
		sleep 0.1
	done
	FLASK_ADDR=127.0.0.1:$port
	FLASK_WORKER=$(pgrep -P "$FLASK_PID" | head -1)
}

echo "| backend | workload (c$CONNS) | server | round | req/s | p50 | p99 | socket errors | server CPU µs/req | × Flask; checks |"
echo "|---|---|---|---:|---:|---:|---:|---|---:|---|"
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
	flask=
	if [[ $backend == sqlite && -n $FLASK ]]; then
		# A copy of miniweb's database as the users left it, before any add/del.
		/usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
			"$TMP/sqlite/site.db" "$TMP/flask.db"
		start_flask "$TMP/flask.db"
		flask=$FLASK_ADDR
	fi
	ok=1
	for round in $(seq "$ROUNDS"); do
		check_watchlist "$backend miniweb before" "$addr" || { ok=; break; }
		measure "$backend" "GET /watchlist.py" "$TMP/watchlist.lua" "$addr" miniweb "$MINIWEB_PID" "$round" 200 3800 4600 || ok=
		check_watchlist "$backend miniweb after" "$addr" 1 || ok=
		if [[ -n $flask ]]; then
			check_watchlist "$backend flask before" "$flask" 1 || { ok=; break; }
			measure "$backend" "GET /watchlist.py" "$TMP/watchlist.lua" "$flask" flask "$FLASK_WORKER" "$round" 200 3800 4600 || ok=
			check_watchlist "$backend flask after" "$flask" 1 || ok=
		fi
		[[ -n $ok ]] || break
		check_adddel "$backend miniweb before" "$addr" || { ok=; break; }
		measure "$backend" "POST /add, /del" "$TMP/adddel.lua" "$addr" miniweb "$MINIWEB_PID" "$round" "303 /watchlist.py" 60 700 || ok=
		check_adddel "$backend miniweb after" "$addr" || ok=
		unfollow_all "$addr" || { check_fail "$backend: unfollowing 300750 after add/del failed"; ok=; }
		[[ -n $ok ]] || break
	done
	if [[ -z $ok ]]; then
		log "$backend: a check failed; nothing more measured on it"
		echo "| $backend | CHECK FAILED (see stderr): not measured further | | | | | | | | |"
	fi
	if [[ -n $flask ]]; then kill "$FLASK_PID"; wait "$FLASK_PID" 2>/dev/null || true; fi
	kill "$MINIWEB_PID"
	wait "$MINIWEB_PID" 2>/dev/null || true
	if grep -qi "locked" "$TMP/miniweb.log"; then log "$backend: the log mentions a lock:"; grep -i locked "$TMP/miniweb.log" | head -3 >&2; fi
done
echo
echo "Servers on core 0 (miniweb GOMAXPROCS=1; Flask: gunicorn, one sync worker, which closes each connection)," \
	"wrk -t1 -c$CONNS on core 1, $DURATION per run after a 2 s warm-up; PostgreSQL unpinned." \
	"× Flask: Flask's CPU time per request over miniweb's, same round. Checked before and after each measure" \
	"(status, size, the user's name and stocks, no flash, no Set-Cookie; Flask: miniweb's bytes) and during it" \
	"(every status, and Location for add/del; bytes per answer)."
exit $((CHECK_FAILURES != 0))
