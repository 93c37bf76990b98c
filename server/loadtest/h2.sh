#!/usr/bin/env bash
# h2.sh: miniweb's HTTP/2 over TLS against nginx's and Caddy's (issue 25).
#
#   bash server/loadtest/h2.sh                     # about 3 minutes
#   DURATION=5s ROUNDS=3 bash server/loadtest/h2.sh
#   ONLY=hello bash server/loadtest/h2.sh          # just that workload
#
# It installs h2load (nghttp2-client), nginx and curl if missing
# (.ci/setup-tools, apt-get; Debian 12, as root) and Caddy (Debian's caddy
# package, 2.6.2; apt_install), builds miniweb, makes a self-signed
# certificate (openssl, EC P-256) that every server uses, and runs h2load
# against each on loopback:
#
#   - every server is pinned to core 0 (taskset -c 0, GOMAXPROCS=1 for
#     miniweb and Caddy, nginx worker_processes 1) and h2load to core 1
#     (taskset -c 1, -t1);
#   - workloads: hello (13 bytes: miniweb's raw site's /hello.py, nginx's
#     "return 200", Caddy's "respond") and static-1k (the same generated
#     1 KiB file: miniweb's static folder, nginx's root, Caddy's
#     file_server), both
#     h2load -c64 -m10 (64 connections, 10 streams in flight on each);
#   - what is measured is checked before and after each measure with
#     curl --http2 (check.sh): status 200, the byte count, the content, and
#     that the protocol was HTTP/2; during it, h2load's own summary must
#     say 0 failed, 0 errored and 0 timed out, every answer a 2xx, and the
#     DATA bytes must be the body's size per answer. A row that fails a
#     check is marked and the script exits non-zero;
#   - each run has a WARMUP (2 s) then DURATION (10 s) of measure; the
#     server's CPU time over the measure comes from /proc/PID/stat
#     (utime+stime); the servers take turns, ROUNDS (3) times over. A row
#     is the median of its rounds; the ratios are nginx's and Caddy's CPU
#     µs per request over miniweb's (> 1: miniweb cheaper), and miniweb's
#     over its own HTTP/1.1 over TLS (the row miniweb-h1: h2load --h1,
#     the same -c64 -m10, ten requests pipelined; < 1: HTTP/2 cheaper),
#     the median of the rounds' ratios with the lowest and highest in
#     brackets.
#
# miniweb runs with the access log off (-access-log=false) and -dev=false,
# as nginx runs with access_log off and Caddy without its log directive
# (no access log), its admin endpoint off and HTTP/3 off (protocols h1 h2:
# no UDP listener beside). Output: a markdown table on stdout;
# logs in the temporary folder, removed at exit unless KEEP=1.
set -euo pipefail

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=check.sh
. "$HERE/check.sh"

log() { echo "# $*" >&2; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# --- tools ---------------------------------------------------------------
export PATH="$PATH:/usr/sbin:/sbin"
bash "$ROOT/.ci/setup-tools" >&2
command -v curl >/dev/null || { echo "h2.sh: curl is missing" >&2; exit 1; }
curl -V | grep -qw HTTP2 || { echo "h2.sh: this curl has no HTTP/2" >&2; exit 1; }
NGINX=$(command -v nginx)
command -v caddy >/dev/null || apt_install caddy
CADDY=$(command -v caddy) || { echo "h2.sh: caddy is missing (apt-get install caddy)" >&2; exit 1; }

# --- build, files, certificate ------------------------------------------
TMP=$(mktemp -d /tmp/miniweb-h2.XXXXXX)
MASTER= # the one server running, started by this script
cleanup() {
	if [ -n "$MASTER" ]; then kill "$MASTER" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	[ "${KEEP:-}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
mkdir -p "$TMP/static" "$TMP/nginx" "$TMP/caddy"
head -c 1024 /dev/urandom >"$TMP/static/1k.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
export MINIWEB_SESSION_SECRET="${MINIWEB_SESSION_SECRET:-$(head -c 32 /dev/urandom | base64)}"
cat >"$TMP/miniweb.toml" <<EOF
addr = "127.0.0.1:18090"
static = "$TMP/static"
site = "raw"
dynamic_suffix = ".py"
dev = false
[tls]
cert = "$TMP/cert.pem"
key = "$TMP/key.pem"
[access_log]
enabled = false
EOF
cat >"$TMP/nginx/nginx.conf" <<EOF
user root;
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	http2_max_concurrent_streams 128;
	types { application/octet-stream bin; }
	client_body_temp_path $TMP/nginx;
	proxy_temp_path $TMP/nginx;
	fastcgi_temp_path $TMP/nginx;
	uwsgi_temp_path $TMP/nginx;
	scgi_temp_path $TMP/nginx;
	server {
		listen 127.0.0.1:18093 ssl http2 backlog=4096;
		ssl_certificate $TMP/cert.pem;
		ssl_protocols TLSv1.2 TLSv1.3; # 1.22's default lacks 1.3, which miniweb speaks
		ssl_certificate_key $TMP/key.pem;
		root $TMP/static;
		location = /hello.py { default_type text/plain; return 200 "Hello, World!"; }
	}
}
EOF

# Caddy: its state (autosave, storage) in $TMP/caddy, not in $HOME.
cat >"$TMP/caddy/Caddyfile" <<EOF
{
	admin off
	auto_https off
	storage file_system $TMP/caddy/data
	servers {
		protocols h1 h2
	}
}
https://:18094 {
	tls $TMP/cert.pem $TMP/key.pem
	root * $TMP/static
	respond /hello.py "Hello, World!" 200
	file_server
}
EOF

# --- servers -------------------------------------------------------------
# miniweb-h1 is miniweb again, loaded over HTTP/1.1 (TLS, ALPN
# http/1.1: h2load --h1, the same -c64 -m10, ten requests pipelined on
# each connection), for issue 25's "HTTP/2 at most 1.2x our own HTTP/1.1
# over TLS".
SERVERS=(miniweb miniweb-h1 nginx caddy)
port() { case $1 in miniweb | miniweb-h1) echo 18090 ;; nginx) echo 18093 ;; caddy) echo 18094 ;; esac; }
# proto NAME: the protocol a server is loaded and checked with.
proto() { case $1 in miniweb-h1) echo 1.1 ;; *) echo 2 ;; esac; }

# start NAME: starts the server pinned to core 0 and sets SPID (the process
# whose CPU time counts: nginx's worker).
start() {
	local name=$1 p
	p=$(port "$name")
	case $name in
	miniweb | miniweb-h1)
		GOMAXPROCS=1 taskset -c 0 "$TMP/miniweb" -config "$TMP/miniweb.toml" -addr "127.0.0.1:$p" \
			-static "$TMP/static" -site raw -dev=false -access-log=false 2>>"$TMP/miniweb.log" &
		;;
	nginx)
		taskset -c 0 "$NGINX" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>>"$TMP/nginx.log" &
		;;
	caddy)
		HOME="$TMP/caddy" XDG_CONFIG_HOME="$TMP/caddy" XDG_DATA_HOME="$TMP/caddy" GOMAXPROCS=1 \
			taskset -c 0 "$CADDY" run --config "$TMP/caddy/Caddyfile" --adapter caddyfile 2>>"$TMP/caddy.log" &
		;;
	esac
	MASTER=$!
	await_start "$name" "https://127.0.0.1:$p/1k.bin" -k
	if [ "$name" = nginx ]; then SPID=$(pgrep -P "$MASTER" | head -1); fi
}
stop() { stop_server ':1809[034] '; }


# check NAME PATH WHEN: status 200, size, content, and the protocol,
# HTTP/2 (HTTP/1.1 for miniweb-h1; check.sh's HEAD_WANT cannot see it:
# curl's %{http_version} goes to a file).
check() {
	local name=$1 path=$2 when=$3 url size v want opt
	url="https://127.0.0.1:$(port "$name")$path"
	size=$(body_size "$path")
	want=$(proto "$name")
	opt=--http2
	[ "$want" = 2 ] || opt=--http1.1
	if [ "$path" = /hello.py ]; then
		check_answer "$name $when" "$url" 200 13 13 "Hello, World!" "" "$opt" -k || return 1
	else
		check_answer "$name $when" "$url" 200 "$size" "$size" "file:$TMP/static$path" "" "$opt" -k || return 1
	fi
	v=$(curl -sk "$opt" -m 10 -o /dev/null -w '%{http_version}' "$url" || true)
	[ "$v" = "$want" ] || { check_fail "$name $when: $url: protocol HTTP/${v:-none}; want HTTP/$want"; return 1; }
}
body_size() { case $1 in /hello.py) echo 13 ;; *) wc -c <"$TMP/static$1" ;; esac; }

# h2load_verdict WHAT OUT BODY: h2load's summary says every request done
# succeeded, as a 2xx, with BODY bytes of DATA each.
h2load_verdict() {
	local what=$1 out=$2 body=$3 line
	line=$(awk '/^requests:/ { gsub(/,/, ""); print $4, $6, $8, $10, $12, $14 } /^status codes:/ { gsub(/,/, ""); print $3, $5, $7, $9 } /^traffic:/ { d = $(NF - 1); gsub(/[()]/, "", d); print d }' <<<"$out" | tr '\n' ' ')
	# started done succeeded failed errored timeout 2xx 3xx 4xx 5xx data
	local started ndone ok failed errored tmo s2 s3 s4 s5 data
	read -r started ndone ok failed errored tmo s2 s3 s4 s5 data <<<"$line" || true
	if [ -z "${data:-}" ]; then
		check_fail "$what: h2load printed no summary"
		return 1
	fi
	if [ "$failed" != 0 ] || [ "$errored" != 0 ] || [ "$tmo" != 0 ] || [ "$s3" != 0 ] || [ "$s4" != 0 ] || [ "$s5" != 0 ]; then
		check_fail "$what: h2load: $failed failed, $errored errored, $tmo timed out; status 3xx $s3, 4xx $s4, 5xx $s5"
		return 1
	fi
	# Status codes count heads: a server that writes a head apart from its
	# body (Caddy) has up to 640 more, of streams cut off at the end.
	if [ "$ok" = 0 ] || [ "$s2" -lt "$ok" ] || [ "$s2" -gt $((ok + 640)) ]; then
		check_fail "$what: h2load: $ok succeeded, $s2 answers 2xx"
		return 1
	fi
	# traffic's "(N) data" is the DATA payload in bytes: BODY per answer,
	# plus up to BODY for each of the 640 streams cut off at the end.
	if ! awk -v d="$data" -v n="$ok" -v b="$body" 'BEGIN { exit !(d >= n * b && d <= (n + 640) * b) }'; then
		check_fail "$what: h2load: $data of DATA for $ok answers; want $body bytes each"
		return 1
	fi
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"
secs=${DURATION%s}

# measure NAME WORKLOAD PATH ROUND
measure() {
	local name=$1 wl=$2 path=$3 round=$4 url t0 t1 out rps reqs
	url="https://127.0.0.1:$(port "$name")$path"
	if ! check "$name" "$path" "before $wl round $round"; then
		printf '%s\t%s\t%s\tFAILED\tbefore\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	local h1=()
	[ "$(proto "$name")" = 2 ] || h1=(--h1)
	timeout 60 taskset -c 1 h2load "${h1[@]}" -t1 -c64 -m10 -D "$WARMUP" "$url" >/dev/null 2>&1 || true
	t0=$(cputicks "$SPID")
	out=$(timeout $((secs + 60)) taskset -c 1 h2load "${h1[@]}" -t1 -c64 -m10 -D "$DURATION" "$url" 2>&1) || true
	t1=$(cputicks "$SPID")
	{ echo "== $name $wl round $round"; echo "$out"; } >>"$TMP/h2load.log"
	if ! h2load_verdict "$name $wl round $round" "$out" "$(body_size "$path")"; then
		printf '%s\t%s\t%s\tFAILED\tduring\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	if ! check "$name" "$path" "after $wl round $round"; then
		printf '%s\t%s\t%s\tFAILED\tafter\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	rps=$(awk '/^finished in/ { printf "%.0f", $4 }' <<<"$out")
	reqs=$(awk '/^requests:/ { gsub(/,/, ""); print $8 }' <<<"$out")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$name" "$round" "$rps" "$reqs" "$((t1 - t0))" >>"$RESULTS"
	log "$wl $name round $round: $rps req/s, $reqs requests, cpu $((t1 - t0)) ticks"
}

WORKLOADS=("hello /hello.py" "static-1k /1k.bin")
for w in "${WORKLOADS[@]}"; do
	read -r wl path <<<"$w"
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $wl "* ]]; then continue; fi
	for round in $(seq "$ROUNDS"); do
		for s in "${SERVERS[@]}"; do
			start "$s"
			measure "$s" "$wl c64 m10" "$path" "$round"
			stop
		done
	done
done

# --- the table -----------------------------------------------------------
tck=$(getconf CLK_TCK)
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d);" \
	"load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| workload | server | req/s | server CPU | CPU µs/req | nginx ÷ miniweb, CPU per request [lowest–highest round] | Caddy ÷ miniweb | miniweb ÷ its HTTP/1.1 over TLS |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
awk -F'\t' -v tck="$tck" -v secs="$secs" '
	function median(list, n,    a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# ratio(a, b): CPU per request of row a over that of row b, the median
	# of the rounds both measured, lowest and highest in brackets.
	function ratio(a, b,    r, x, n, list, lo, hi) {
		n = 0; list = ""; lo = ""; hi = ""
		for (r in rounds) {
			if (!((a SUBSEP r) in per) || !((b SUBSEP r) in per) || per[b SUBSEP r] == 0) continue
			x = per[a SUBSEP r] / per[b SUBSEP r]
			n++; list = list " " x
			if (lo == "" || x < lo) lo = x
			if (hi == "" || x > hi) hi = x
		}
		return (n > 0) ? sprintf("%.2f× [%.2f–%.2f]", median(list), lo, hi) : "—"
	}
	{
		k = $1 SUBSEP $2
		if (!(k in seen)) { seen[k] = 1; order[++rows] = k; wl[k] = $1; sv[k] = $2 }
		if ($4 == "FAILED") { failed[k] = failed[k] (failed[k] == "" ? "" : ", ") $5 " round " $3; next }
		cpu = $6 / tck
		per[k SUBSEP $3] = ($5 > 0) ? 1e6 * cpu / $5 : 0
		rps[k] = rps[k] " " $4; cpus[k] += cpu; reqs[k] += $5; runs[k]++
		rounds[$3] = 1
	}
	END {
		for (i = 1; i <= rows; i++) {
			k = order[i]
			if (k in failed) { printf "| %s | %s | check failed (%s) | | | | | |\n", wl[k], sv[k], failed[k]; continue }
			rn = "—"; rc = "—"; rh = "—"
			if (sv[k] == "miniweb") {
				rn = ratio(wl[k] SUBSEP "nginx", k); rc = ratio(wl[k] SUBSEP "caddy", k); rh = ratio(k, wl[k] SUBSEP "miniweb-h1")
			}
			printf "| %s | %s | %d | %.0f%% | %.2f | %s | %s | %s |\n", wl[k], sv[k], median(rps[k]),
				100 * cpus[k] / (secs * runs[k]), (reqs[k] > 0) ? 1e6 * cpus[k] / reqs[k] : 0, rn, rc, rh
		}
	}' "$RESULTS"
echo
echo "HTTP/2 over TLS (ALPN h2, the same self-signed P-256 certificate; miniweb-h1: HTTP/1.1 over TLS, h2load --h1), h2load -t1 -c64 -m10 on core 1," \
	"servers on core 0 (GOMAXPROCS=1 for miniweb and Caddy, nginx worker_processes 1), $DURATION per run after a $WARMUP warm-up," \
	"$ROUNDS round(s), the servers taking turns; miniweb with the access log off and -dev=false, nginx access_log off," \
	"Caddy $("$CADDY" version | cut -d' ' -f1) without access log, admin off, HTTP/3 off." \
	"req/s: the median of the rounds. Checked before and after each measure with curl --http2 (--http1.1 for miniweb-h1): status 200, size," \
	"content, the protocol; during it, h2load's summary: 0 failed/errored/timed out, every answer 2xx, DATA bytes."
if [ "$CHECK_FAILURES" != 0 ]; then
	echo
	echo "**$CHECK_FAILURES check(s) failed: the rows marked \"check failed\" measured something else than they mean (see CHECK FAILED above).**"
fi
exit $((CHECK_FAILURES != 0))
