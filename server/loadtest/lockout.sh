#!/usr/bin/env bash
# lockout.sh: can one client lock the others out? miniweb beside nginx at
# the same connection cap (issue 12).
#
#   bash server/loadtest/lockout.sh              # under a minute if no server misbehaves
#   CAP=128 HALFCLOSE=2000 bash server/loadtest/lockout.sh
#   KEEP=1 bash server/loadtest/lockout.sh       # keep the logs and configs
#   BEFORE=HEAD bash server/loadtest/lockout.sh  # also miniweb as committed: before and after
#
# Env:
#   CAP        the connection cap of both servers (default 64)
#   HOLD       idle keep-alive connections held in (a) (default 2 × CAP)
#   HALFCLOSE  request + shutdown(SHUT_WR) connections in (b) (default 1000)
#   PARALLEL   how many of those at a time (default CAP / 2, at most 100).
#              Half the cap, so that the clients alone never bring a server
#              to its cap, only the sockets it fails to close: at CAP at a
#              time nginx, which reclaims idle connections before it runs
#              out, closed a few brand-new ones whose request had not yet
#              arrived (7 of 1000 failed).
#   BEFORE     a commit: adds a row for miniweb built from it, measured
#              first (its tree is taken with git archive, which leaves the
#              repository as it is)
#   KEEP=1     keeps the temporary folder
#
# It installs nginx if it is missing (apt-get; Debian 12, as root), builds
# miniweb from this checkout and the measuring tool (lockout/, in this
# nested module), writes both servers' configs into a temporary folder and
# measures each server in turn, on its own port on 127.0.0.1, pinned to
# core 0 (taskset -c 0; GOMAXPROCS=1 for miniweb, worker_processes 1 for
# nginx), the tool on core 1. Each server is started afresh for each of
# the two measurements, so that what the first leaves behind (held slots,
# sockets) cannot touch the second:
#
#   (a) with HOLD idle keep-alive connections held (each sent one request,
#       read its answer and stays silent; at most 5 s each for the answer,
#       and those past the cap wait in the kernel's backlog, unanswered),
#       5 fresh requests one after another, each timed from connect to the
#       last byte and given up after 30 s ("> 30 s"); the first time-out
#       ends the series, as the next request would queue behind it;
#   (b) HALFCLOSE connections, PARALLEL at a time, each sending
#       "GET / HTTP/1.1" and shutting down its write side at once; each
#       reads the whole answer (at most 5 s) and then expects the server's
#       EOF within 1 s ("prompt"). 2 s after the last, the server's sockets
#       in CLOSE_WAIT are counted from /proc/net/tcp and tcp6: connections
#       whose client has gone and the server has not closed.
#
# Like for like: both servers serve the same 6-byte static index.html at
# "/", keep-alive 60 s (miniweb's default idle timeout, not shortened: the
# point is what the cap does), no access log.
#   - miniweb: [limits] max_conns = CAP, site raw, dev off, -access-log=false.
#   - nginx: worker_connections = CAP + 2, not CAP + 1. An nginx worker
#     takes its connections from one pool of worker_connections for its
#     clients, its listening socket and, under a master process, its
#     channel to the master: two besides the clients (measured with nginx
#     1.22: with master_process off, reclaiming starts one client later).
#     So CAP + 2 lets it hold CAP clients at once, as miniweb's max_conns.
#     nginx (since 1.19.2) closes idle keep-alive connections, oldest first,
#     in advance: as soon as fewer than worker_connections / 16 are free,
#     which the notes below the table show as holders closed by it.
#
# Bounded: every wait of the tool is bounded; a miniweb that locks
# clients out costs up to about 3 minutes more ((a): the holders' 5 s and
# one 30 s fresh request; (b): 2 minutes at most, after which the tool
# starts no more connections and the table says how many ran). Each run of
# the tool is also under `timeout 300`, and a server that does not stop
# 10 s after SIGTERM is killed.
#
# Checked (check.sh): before and after each run of the tool, the server's
# "/" is a 200 of the 6 bytes "hello\n" (asked with Connection: close, so
# the check holds no slot); the tool itself takes only a 200 with its
# Content-Length body as an answer (lockout/wire.go). A failed check says
# CHECK FAILED, and the script exits 1.
#
# Output: a markdown table on stdout; progress on stderr; logs in the
# temporary folder, removed at exit unless KEEP=1.
set -euo pipefail

CAP=${CAP:-64}
HOLD=${HOLD:-$((2 * CAP))}
HALFCLOSE=${HALFCLOSE:-1000}
PARALLEL=${PARALLEL:-$((CAP / 2 < 100 ? (CAP / 2 > 0 ? CAP / 2 : 1) : 100))}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=check.sh
. "$HERE/check.sh"

for v in CAP HOLD HALFCLOSE PARALLEL; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -gt 100000 ]; then
		echo "lockout.sh: $v=${!v}: want a whole number up to 100000" >&2
		exit 2
	fi
done
[ "$CAP" -ge 1 ] && [ "$PARALLEL" -ge 1 ] || { echo "lockout.sh: CAP and PARALLEL must be at least 1" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" # the holders; nginx sizes its own (worker_rlimit_nofile)

log() { echo "# $*" >&2; }

# --- tools ---------------------------------------------------------------
command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
	log "installing nginx"
	apt_install nginx-light || apt_install nginx || true
	NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
fi
[ -n "$NGINX" ] || log "nginx cannot be installed: measured without it"

# The servers on core 0, the tool on core 1; on one core, no pinning.
PIN_SERVER=(taskset -c 0)
PIN_TOOL=(taskset -c 1)
if [ "$(nproc)" -lt 2 ]; then PIN_SERVER=(); PIN_TOOL=(); fi

# --- build and files ----------------------------------------------------
TMP=$(mktemp -d /tmp/miniweb-lockout.XXXXXX)
MASTER=  # the one server running, started by this script
WORKERS= # nginx's workers, children of MASTER
cleanup() {
	if [ -n "$MASTER" ]; then stop; fi
	[ "${KEEP:-}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
if [ -n "${BEFORE:-}" ]; then
	BEFORE_REV=$(git -C "$ROOT" rev-parse --short --verify "$BEFORE^{commit}")
	mkdir "$TMP/before"
	git -C "$ROOT" archive --format=tar "$BEFORE_REV" | tar -x -C "$TMP/before"
	(cd "$TMP/before" && go build -o "$TMP/miniweb-before" ./server)
fi
(cd "$HERE" && go build -o "$TMP/lockout" ./lockout)

mkdir -p "$TMP/static" "$TMP/templates" "$TMP/nginx"
echo hello >"$TMP/static/index.html"
# dev = false needs a session secret; one per run is enough here.
export MINIWEB_SESSION_SECRET="${MINIWEB_SESSION_SECRET:-$(head -c 32 /dev/urandom | base64)}"
cat >"$TMP/miniweb.toml" <<EOF
addr = "127.0.0.1:18090"
static = "static"
templates = "templates"
site = "raw"
dynamic_suffix = ".py"
dev = false
[timeouts]
idle = "60s"      # the default, said here so that no one shortens it: the point is what the cap does
shutdown = "2s"   # only how long a stop between runs waits
[limits]
max_conns = $CAP
[access_log]
enabled = false
EOF
cat >"$TMP/nginx/nginx.conf" <<EOF
user root;
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $((CAP + 1024));
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
# CAP clients + the listening socket + the channel to the master (see lockout.sh).
events { worker_connections $((CAP + 2)); }
http {
	access_log off;
	sendfile on;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	client_body_temp_path $TMP/nginx;
	proxy_temp_path $TMP/nginx;
	fastcgi_temp_path $TMP/nginx;
	uwsgi_temp_path $TMP/nginx;
	scgi_temp_path $TMP/nginx;
	server {
		listen 127.0.0.1:18091 backlog=4096;
		root $TMP/static;
	}
}
EOF

# --- servers -------------------------------------------------------------
SERVERS=(miniweb)
[ -z "${BEFORE:-}" ] || SERVERS=(miniweb-before miniweb)
[ -z "$NGINX" ] || SERVERS+=(nginx)
port() { case $1 in miniweb) echo 18090 ;; nginx) echo 18091 ;; miniweb-before) echo 18092 ;; esac; }
label() { case $1 in miniweb-before) echo "miniweb $BEFORE_REV" ;; *) echo "$1" ;; esac; }

# start NAME: starts the server pinned to core 0 and waits until it serves.
start() {
	local name=$1 p
	p=$(port "$name")
	case $name in
	miniweb | miniweb-before)
		GOMAXPROCS=1 "${PIN_SERVER[@]}" "$TMP/$name" -config "$TMP/miniweb.toml" -addr "127.0.0.1:$p" \
			-access-log=false 2>>"$TMP/$name.log" &
		;;
	nginx)
		"${PIN_SERVER[@]}" "$NGINX" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>>"$TMP/nginx.log" &
		;;
	esac
	MASTER=$!
	for _ in $(seq 100); do
		# Connection: close, so that the check holds no slot afterwards.
		curl -s -m 2 -o /dev/null -H 'Connection: close' "http://127.0.0.1:$p/" && break
		sleep 0.05
	done
	if ! kill -0 "$MASTER" 2>/dev/null; then log "$name did not start (port $p taken?)"; fi
	WORKERS=
	if [ "$name" = nginx ]; then WORKERS=$(pgrep -P "$MASTER" || true); fi
}

# alive PID: the process exists and has not exited (a zombie has).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }

# stop: SIGTERM to the server started; after 10 s SIGKILL to it and, for
# nginx, to the workers it had (which a killed master leaves behind).
stop() {
	local pid=$MASTER w
	MASTER=
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		log "server $pid did not stop in 10 s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for w in $WORKERS; do
			if [ "$(cat "/proc/$w/comm" 2>/dev/null)" = nginx ]; then kill -KILL "$w" 2>/dev/null || true; fi
		done
	fi
	wait "$pid" 2>/dev/null || true
	WORKERS=
	for _ in $(seq 100); do # the next start must not find the port taken
		ss -Hltn 2>/dev/null | grep -q ':1809[0-2] ' || break
		sleep 0.05
	done
}

# served WHAT NAME: the server NAME answers "/" with the page the tool
# measures.
served() { check_answer "$2 $1" "http://127.0.0.1:$(port "$2")/" 200 6 6 hello "" -H 'Connection: close' || true; }

# --- measure -------------------------------------------------------------
log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A R # R[server.key] = value, from the tool's "key: value" lines
collect() {
	local name=$1 k v
	while IFS= read -r line; do
		k=${line%%: *}
		v=${line#*: }
		R[$name.$k]=$v
	done
}
for s in "${SERVERS[@]}"; do
	addr=127.0.0.1:$(port "$s")
	log "$s: (a) $HOLD idle connections held, then fresh requests"
	t0=$SECONDS
	start "$s"
	served "(a) before" "$s"
	out=$(timeout 300 "${PIN_TOOL[@]}" "$TMP/lockout" -addr "$addr" -cap "$CAP" -hold "$HOLD" -halfclose 0 \
		2>>"$TMP/lockout.$s.log") || log "$s: (a) failed: $(tail -1 "$TMP/lockout.$s.log")"
	served "(a) after" "$s"
	stop
	collect "$s" <<<"$out"
	log "$s: (a) took $((SECONDS - t0)) s: ${R[$s.holders_answered]:-?} of $HOLD holders answered, fresh ${R[$s.fresh]:-?}"

	log "$s: (b) $HALFCLOSE request + shutdown(SHUT_WR) connections"
	t0=$SECONDS
	start "$s"
	served "(b) before" "$s"
	out=$(timeout 300 "${PIN_TOOL[@]}" "$TMP/lockout" -addr "$addr" -cap "$CAP" -hold 0 -halfclose "$HALFCLOSE" -parallel "$PARALLEL" \
		2>>"$TMP/lockout.$s.log") || log "$s: (b) failed: $(tail -1 "$TMP/lockout.$s.log")"
	served "(b) after" "$s"
	stop
	collect "$s" <<<"$out"
	log "$s: (b) took $((SECONDS - t0)) s: CLOSE_WAIT ${R[$s.close_wait]:-?}"
done

# --- the table -----------------------------------------------------------
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d);" \
	"miniweb at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -z "$(git -C "$ROOT" status --porcelain -- . ':!server/loadtest' 2>/dev/null)" ] || echo ' with uncommitted changes');" \
	"$([ -z "$NGINX" ] || "$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
echo
echo "| server | cap | holders answered | fresh request median / max | half-close: full responses, prompt EOFs | CLOSE_WAIT after 2 s |"
echo "|---|---:|---:|---:|---:|---:|"
for s in "${SERVERS[@]}"; do
	g() { echo "${R[$s.$1]:-?}"; }
	fresh=$(g fresh)
	if [ "$(g fresh_timeouts)" != 0 ]; then
		fresh="$fresh ($(g fresh_tried) tried, $(g fresh_timeouts) timed out)"
	fi
	if [ "$(g fresh_errors)" != 0 ]; then fresh="$fresh, $(g fresh_errors) failed"; fi
	hc="$(g halfclose_full), $(g halfclose_prompt_eof) of $(g halfclose_run)"
	if [ "$(g halfclose_no_response)" != 0 ]; then hc="$hc; $(g halfclose_no_response) unanswered in 5 s"; fi
	if [ "$(g halfclose_run)" != "$HALFCLOSE" ]; then hc="$hc (only $(g halfclose_run) of $HALFCLOSE started within 2 min)"; fi
	cw=$(g close_wait)
	if [ "$(g close_wait_unaccepted)" != 0 ]; then cw="$cw ($(g close_wait_unaccepted) not yet accepted)"; fi
	echo "| $(label "$s") | $CAP | $(g holders_answered) of $(g holders) | $fresh | $hc | $cw |"
done
echo
echo "Holders: $HOLD connections that each sent one request, read the answer (at most 5 s) and stayed silent;" \
	"fresh requests: connect to last byte, one after another, given up after 30 s, the series ended by the first" \
	"time-out. Half-close: $HALFCLOSE connections, $PARALLEL at a time, sending \"GET / HTTP/1.1\" then" \
	"shutdown(SHUT_WR); a prompt EOF comes within 1 s of the full answer. CLOSE_WAIT: the server's sockets whose" \
	"client has closed, 2 s after the last connection (\"not yet accepted\": still in the listener's queue)." \
	"miniweb: max_conns = $CAP, idle timeout 60 s; nginx: worker_connections $((CAP + 2)) ($CAP clients + listener +" \
	"master channel), keepalive_timeout 60s. Each server started afresh for each measurement, pinned to one core."
echo
for s in "${SERVERS[@]}"; do
	g() { echo "${R[$s.$1]:-?}"; }
	echo "- $(label "$s"): holders closed by the server: $(g holders_closed_by_server_before_fresh) before the fresh requests," \
		"$(g holders_closed_by_server_after_fresh) after; half-close: $(g halfclose_no_eof) still open 1 s after the answer," \
		"$(g halfclose_reset) reset, $(g halfclose_no_response) unanswered, $(g halfclose_errors) failed," \
		"$(g halfclose_extra_bytes) with bytes after the answer."
done
if [ -n "$NGINX" ] && [ -s "$TMP/nginx/error.log" ]; then
	echo "- nginx's error log: $(grep -c 'reusing connections' "$TMP/nginx/error.log" || true) \"worker_connections are not enough, reusing connections\" warnings."
fi
if [ "$CHECK_FAILURES" != 0 ]; then
	echo "- **$CHECK_FAILURES check(s) failed** (CHECK FAILED on stderr): a server did not serve the page measured."
	exit 1
fi
