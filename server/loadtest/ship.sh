#!/usr/bin/env bash
# ship.sh: what compression and HTTPS cost and save, beside nginx (issue 16).
#
#   bash server/loadtest/ship.sh              # about 3 minutes
#   DURATION=5s bash server/loadtest/ship.sh
#
# In one run, on loopback, every server pinned to core 0 (GOMAXPROCS=1,
# nginx worker_processes 1) and wrk to core 1 (-t1 -c64, keep-alive):
#
#   page     the demo's /center.py (-dev=false, SQLite in a temporary folder)
#            with Accept-Encoding identity, gzip and zstd: req/s, the
#            server's CPU time per request (utime+stime from /proc over the
#            measure), and bytes per answer;
#   css      a 100 KiB stylesheet with a precompressed .gz sibling, asked
#            with Accept-Encoding: gzip: miniweb against nginx with
#            gzip_static on (both send the .gz file with sendfile);
#   https    "Hello, World!" over HTTPS (TLS 1.3, HTTP/1.1, one
#            self-signed ECDSA certificate for both): miniweb's raw site
#            /hello.py against nginx's return 200.
#
# What is measured is checked before and after each measure (check.sh):
# the status (200), the byte count and the content (the page: the market's
# table, and the Content-Encoding asked for, decoded; the stylesheet: the
# .gz file's bytes; hello: "Hello, World!"); and during it, by wrk's
# status.lua, every answer's status and the bytes per answer. A row whose
# check fails says so, and the script exits 1.
#
# Output: markdown tables; logs in the temporary folder, removed unless
# KEEP=1. Needs wrk, nginx, curl and openssl (Debian packages; installed
# when missing, as root).
set -euo pipefail

DURATION=${DURATION:-10s}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=check.sh
. "$HERE/check.sh"
TMP=$(mktemp -d /tmp/miniweb-ship.XXXXXX)
chmod 755 "$TMP"
PIDS=()
log() { echo "ship.sh: $*" >&2; }
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${KEEP:-0} == 1 ]]; then log "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

for tool in wrk curl openssl; do command -v $tool >/dev/null || { log "installing $tool"; apt_install $tool; }; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { log "installing nginx"; apt_install nginx-light || apt_install nginx; }

log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
mkdir -p "$TMP/static"
# 100 KiB of plausible CSS, and its gzip sibling with the same time.
python3 - "$TMP/static/big.css" <<'EOF'
import sys, random
random.seed(7)
props = ["color", "margin", "padding", "border", "font-size", "line-height", "display", "background"]
out = []
while sum(map(len, out)) < 100 * 1024:
    sel = ".c%d .item-%d > a:hover" % (random.randrange(500), random.randrange(50))
    body = "; ".join("%s: %d%s" % (random.choice(props), random.randrange(40), random.choice(["px", "em", "%"])) for _ in range(4))
    out.append("%s { %s }\n" % (sel, body))
open(sys.argv[1], "w").write("".join(out)[:100 * 1024])
EOF
gzip -9 -k "$TMP/static/big.css"
touch -r "$TMP/static/big.css" "$TMP/static/big.css.gz"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -kfso /dev/null "$1" && return 0; sleep 0.1; done; log "not up: $1"; return 1; }
# cpu_ticks PID prints the CPU time of PID and its children (nginx's
# workers), in clock ticks.
cpu_ticks() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# start_miniweb SITE [TLS] sets PORT and PID.
start_miniweb() {
	local site=$1 tls=${2:-}
	PORT=$(free_port)
	{
		echo "static = \"static\""
		echo "templates = \"$ROOT/templates\""
		echo "site = \"$site\""
		echo "dev = false"
		echo "[access_log]"
		echo "enabled = false"
		echo "[database]"
		echo "url = \"sqlite:db/site.db\""
		if [[ -n $tls ]]; then
			echo "[tls]"
			echo "cert = \"cert.pem\""
			echo "key = \"key.pem\""
		fi
	} >"$TMP/miniweb.toml"
	(cd "$TMP" && MINIWEB_SESSION_SECRET=ship-test-secret-0123456789abcdefghij GOMAXPROCS=1 \
		exec taskset -c 0 ./miniweb -config miniweb.toml -addr "127.0.0.1:$PORT" >>"$TMP/miniweb.log" 2>&1) &
	PID=$!
	PIDS+=("$PID")
}

start_nginx() {
	PORT=$(free_port)
	local tport=$(free_port)
	TLSPORT=$tport
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
$( [[ $(id -u) == 0 ]] && echo "user root;" )
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	include /etc/nginx/mime.types;
	server {
		listen 127.0.0.1:$PORT;
		root $TMP/static;
		gzip_static on;
	}
	server {
		listen 127.0.0.1:$tport ssl;
		ssl_certificate $TMP/cert.pem;
		ssl_certificate_key $TMP/key.pem;
		location / { default_type text/plain; return 200 "Hello, World!"; }
	}
}
EOF
	taskset -c 0 "$NGINX" -c "$TMP/nginx/nginx.conf" >>"$TMP/nginx.log" 2>&1 &
	PID=$!
	PIDS+=("$PID")
}

# measure NAME PID URL HEADER MIN MAX MARKER prints a row: req/s, p99,
# CPU µs per request. Before and after, check_answer wants a 200 of MIN to
# MAX bytes with MARKER (see check.sh; HEAD_WANT and DECODE from the
# caller's environment); during, status.lua wants every answer a 200.
measure() {
	local name=$1 pid=$2 url=$3 header=$4 min=$5 max=$6 marker=$7 out c0 c1 reqs hz verdict=ok
	hz=$(getconf CLK_TCK)
	if ! check_answer "$name, before" "$url" 200 "$min" "$max" "$marker" "" -k ${header:+-H "$header"}; then
		printf '| %s | CHECK FAILED before: not measured | | | |\n' "$name"
		return
	fi
	taskset -c 1 wrk -t1 -c64 -d2s ${header:+-H "$header"} "$url" >/dev/null 2>&1
	c0=$(cpu_ticks "$pid")
	out=$(WANT_STATUS=200 taskset -c 1 wrk -t1 -c64 -d"$DURATION" --latency -s "$HERE/status.lua" ${header:+-H "$header"} "$url" 2>&1)
	c1=$(cpu_ticks "$pid")
	echo "$out" >>"$TMP/wrk.log"
	wrk_verdict "$name" "$out" "$min" $((max + 512)) 64 || verdict="CHECK FAILED during"
	check_answer "$name, after" "$url" 200 "$min" "$max" "$marker" "" -k ${header:+-H "$header"} || verdict="CHECK FAILED after"
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	local rps p99 errs
	rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	errs=$(grep -E "Socket errors|Non-2xx" <<<"$out" | tr '\n' ' ' || true)
	printf '| %s | %s | %s | %.1f | %s |\n' "$name" "$rps" "$p99" \
		"$(awk -v c=$((c1 - c0)) -v hz="$hz" -v n="$reqs" 'BEGIN { print c / hz / n * 1e6 }')" "${errs:-none}; checks $verdict"
}

size_of() { curl -ks -o /dev/null -w '%{size_download}' ${2:+-H "$2"} "$1"; }

echo "| run | req/s | p99 | server CPU µs/request | errors; checks |"
echo "|---|---:|---:|---:|---|"

start_miniweb demo
wait_up "http://127.0.0.1:$PORT/center.py"
page="http://127.0.0.1:$PORT/center.py"
# The market page: its table of the seven stocks, 2,000 to 4,000 bytes as
# sent identity (2,577 measured), 500 to 2,000 compressed (about 1,100).
market='<table class="stocks|Kweichow Moutai|Hikvision'
HEAD_WANT= DECODE= measure "miniweb page, identity" "$PID" "$page" "Accept-Encoding: identity" 2000 4000 "$market"
HEAD_WANT="content-encoding: gzip" DECODE=gzip measure "miniweb page, gzip" "$PID" "$page" "Accept-Encoding: gzip" 500 2000 "$market"
HEAD_WANT="content-encoding: zstd" DECODE=zstd measure "miniweb page, zstd" "$PID" "$page" "Accept-Encoding: zstd" 500 2000 "$market"
sizes="page /center.py: identity $(size_of "$page" "Accept-Encoding: identity") B, gzip $(size_of "$page" "Accept-Encoding: gzip") B, zstd $(size_of "$page" "Accept-Encoding: zstd") B"
css="http://127.0.0.1:$PORT/big.css"
gz=$(wc -c <"$TMP/static/big.css.gz")
HEAD_WANT="content-encoding: gzip" DECODE= measure "miniweb 100 KiB css, precompressed gzip" "$PID" "$css" "Accept-Encoding: gzip" "$gz" "$gz" "file:$TMP/static/big.css.gz"
sizes="$sizes; big.css: identity $(size_of "$css" "Accept-Encoding: identity") B, gzip $(size_of "$css" "Accept-Encoding: gzip") B"
kill "$PID"; wait "$PID" 2>/dev/null || true

start_nginx
wait_up "http://127.0.0.1:$PORT/big.css"
HEAD_WANT="content-encoding: gzip" DECODE= measure "nginx 100 KiB css, gzip_static on" "$PID" "http://127.0.0.1:$PORT/big.css" "Accept-Encoding: gzip" "$gz" "$gz" "file:$TMP/static/big.css.gz"
sizes="$sizes; nginx big.css gzip $(size_of "http://127.0.0.1:$PORT/big.css" "Accept-Encoding: gzip") B"
HEAD_WANT= DECODE= measure "nginx HTTPS hello" "$PID" "https://127.0.0.1:$TLSPORT/" "" 13 13 "Hello, World!"
kill "$PID"; wait "$PID" 2>/dev/null || true

start_miniweb raw tls
wait_up "https://127.0.0.1:$PORT/hello.py"
HEAD_WANT= DECODE= measure "miniweb HTTPS hello (HTTP/1.1)" "$PID" "https://127.0.0.1:$PORT/hello.py" "" 13 13 "Hello, World!"
kill "$PID"; wait "$PID" 2>/dev/null || true
start_miniweb raw
wait_up "http://127.0.0.1:$PORT/hello.py"
HEAD_WANT= DECODE= measure "miniweb plain hello" "$PID" "http://127.0.0.1:$PORT/hello.py" "" 13 13 "Hello, World!"
kill "$PID"; wait "$PID" 2>/dev/null || true

echo
echo "Bytes: $sizes"
exit $((CHECK_FAILURES != 0))
