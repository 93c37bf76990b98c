#!/usr/bin/env bash
# run.sh: miniweb's side-by-side load test (issue 5).
#
#   bash server/loadtest/run.sh            # about 20 minutes (DURATION=5s: 12)
#   DURATION=5s bash server/loadtest/run.sh
#   ROUNDS=1 bash server/loadtest/run.sh   # one turn per server, no spread
#   ONLY="page idle" bash server/loadtest/run.sh   # just those workloads
#   BEFORE=main~3 ONLY="hello static-1k" bash server/loadtest/run.sh
#       # miniweb against itself as of that commit ("before"), no peers
#   IDLE_CONNS=19000 ONLY=idle bash server/loadtest/run.sh   # idle memory at 19,000
#
# It installs wrk and nginx if they are missing (apt-get; Debian 12, as
# root) and Flask with gunicorn (.ci/setup-flask), builds miniweb and its Go
# peers (net/http and fasthttp v1.74.0, whose code is in this nested module
# so the project's go.mod gains nothing),
# generates the files into a temporary folder, and runs wrk against each
# server on loopback:
#
#   - every server is pinned to core 0 (taskset -c 0, GOMAXPROCS=1, nginx
#     worker_processes 1, gunicorn's one sync worker) and wrk to core 1
#     (taskset -c 1, -t1);
#   - what is measured is checked before and after each measure (check.sh):
#     with curl, the status (200), the byte count and the content: hello
#     "Hello, World!", a static file the file itself, the page ours byte
#     for byte (ours: 1,400 to 1,900 bytes, with the about page's <h1> and
#     its menu entry marked current); and during the measure, wrk's
#     status.lua counts every answer that is not a 200 and the bytes per
#     answer. A server that fails the check before is not measured; one
#     that fails during or after has its row marked; the script then exits
#     non-zero;
#   - each run has a 2 s warm-up, then DURATION of measure; the server's
#     CPU time over the measure comes from /proc/PID/stat (utime+stime);
#   - the servers take turns, ROUNDS times over (default 3): round 1 runs
#     every server once, then round 2, and so on, so that a drift of the
#     machine (another tenant, a frequency change) lands on all of them
#     alike. A row is the median of the rounds; its ratio is the median of
#     the rounds' ratios, each taken between runs of the same round, with
#     the lowest and highest beside it, so the spread shows what is noise.
#
# Workloads (keep-alive, wrk -t1): hello (13 bytes from /hello.py), static
# 1 KiB, 100 KiB and 10 MiB, and page, at 64 connections; hello and static
# 1 KiB also at 1000.
#
# Like for like:
#   - miniweb runs with the access log OFF (-access-log=false), as nginx
#     (access_log off) and the Go peers (which have none); -dev=false.
#   - hello: miniweb's raw site (the bare gateway contract), a handler
#     writing "Hello, World!" in net/http and fasthttp, "return 200" in nginx.
#   - static: the same generated files; http.FileServer, fasthttp.FSHandler,
#     nginx with sendfile on.
#   - page: the demo site's /about.py. miniweb renders it through the
#     framework (site demo); the Go peers render the same templates folder
#     (about.html extending base.html; the demo's templates/, not a copy)
#     with pongo2, the same data and globals, static() included
#     (internal/page), and Flask (flask/app.py, gunicorn, one sync worker)
#     the same with Jinja2; their answers must equal ours byte for byte.
#     nginx renders no templates: n/a. gunicorn's sync worker closes every
#     connection after its answer (it has no keep-alive), so Flask's figure
#     includes a TCP connection per request: that is the sync worker.
#
# One wrk thread tops out near 110-130k req/s. When a server does not use
# its whole core (CPU < 90%), or wrk's core is busy (>= 95%, from
# /proc/stat), wrk is the limit, not the server: the ratio of such a pair
# compares server CPU time per request instead of req/s, and the table
# says "cpu".
#
# Then idle memory: 10,000 keep-alive connections, one request each, and the
# server's VmRSS growth per connection (idlemem/).
#
# Output: markdown tables on stdout; logs in the temporary folder, removed
# at exit unless KEEP=1.
set -euo pipefail

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
IDLE_CONNS=${IDLE_CONNS:-10000}
# Client addresses 127.0.0.1 to 127.0.0.N, used in turn: one address runs
# short of ephemeral ports (those of the servers before in TIME_WAIT).
IDLE_SOURCES=${IDLE_SOURCES:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=check.sh
. "$HERE/check.sh"

ulimit -n "$(ulimit -Hn)" # 1000 connections for wrk, 10,000 for idlemem
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 1000)) ]; then
	echo "run.sh: open-file limit $(ulimit -n) is below $((IDLE_CONNS + 1000))" >&2
	exit 1
fi

log() { echo "# $*" >&2; }

# Another busy process on the machine skews every number: say so.
busy() { top -bn1 | awk 'NR > 7 && $9 + 0 >= 20 { printf "%s(pid %s) %s%% ", $12, $1, $9 }'; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); busy processes: $(busy)" >&2

# --- tools ---------------------------------------------------------------
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
	log "installing nginx"
	apt_install nginx-light || apt_install nginx || true
	NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
fi
[ -n "$NGINX" ] || log "nginx cannot be installed: measured without it"
FLASK=1
bash "$ROOT/.ci/setup-flask" >&2 || { FLASK=; log "Flask cannot be installed: measured without it"; }

# --- build and files ----------------------------------------------------
TMP=$(mktemp -d /tmp/miniweb-load.XXXXXX)
MASTER= # the one server running, started by this script
cleanup() {
	if [ -n "$MASTER" ]; then kill "$MASTER" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	[ "${KEEP:-}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
log "building into $TMP"
(cd "$ROOT" && go build -o "$TMP/miniweb" ./server)
if [ -n "${BEFORE:-}" ]; then # the same program as of commit $BEFORE, to compare with
	mkdir -p "$TMP/before-src"
	git -C "$ROOT" archive "$BEFORE" | tar -x -C "$TMP/before-src"
	(cd "$TMP/before-src" && go build -o "$TMP/before" ./server)
	log "before: $(git -C "$ROOT" log -1 --format='%h %s' "$BEFORE" | cut -c1-80)"
fi
(cd "$HERE" && go build -o "$TMP/nethttp" ./nethttp && go build -o "$TMP/fasthttp" ./fasthttp &&
	go build -o "$TMP/idlemem" ./idlemem)

mkdir -p "$TMP/static" "$TMP/nginx"
# The demo's static files beside the generated ones: the page's static()
# names them, fingerprinted, in every server alike.
cp "$ROOT"/static/* "$TMP/static/"
head -c 1024 /dev/urandom >"$TMP/static/1k.bin"
head -c $((100 << 10)) /dev/urandom >"$TMP/static/100k.bin"
head -c $((10 << 20)) /dev/urandom >"$TMP/static/10m.bin"
TEMPLATES=$ROOT/templates # the demo's own, read by every server
# dev = false needs a session secret; one per run is enough here.
export MINIWEB_SESSION_SECRET="${MINIWEB_SESSION_SECRET:-$(head -c 32 /dev/urandom | base64)}"
cat >"$TMP/miniweb.toml" <<EOF
addr = "127.0.0.1:18080"
static = "static"
templates = "$TEMPLATES"
site = "raw"
dynamic_suffix = ".py"
dev = false
[limits]
max_conns = $((IDLE_CONNS * 2))
# Every load comes from 127.0.0.1: the per-address share (a quarter of
# max_conns by default) would close idlemem's connections past 5,000.
max_conns_per_addr = $((IDLE_CONNS * 2))
[access_log]
enabled = false
EOF
cat >"$TMP/nginx/nginx.conf" <<EOF
user root;
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections $((IDLE_CONNS * 2)); }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	types { application/octet-stream bin; }
	client_body_temp_path $TMP/nginx;
	proxy_temp_path $TMP/nginx;
	fastcgi_temp_path $TMP/nginx;
	uwsgi_temp_path $TMP/nginx;
	scgi_temp_path $TMP/nginx;
	server {
		listen 127.0.0.1:18083 backlog=4096;
		root $TMP/static;
		location = /hello.py { default_type text/plain; return 200 "Hello, World!"; }
	}
}
EOF

# --- servers -------------------------------------------------------------
SERVERS=(miniweb nethttp fasthttp)
[ -z "$NGINX" ] || SERVERS+=(nginx)
[ -z "$FLASK" ] || SERVERS+=(flask) # the page only
[ -z "${BEFORE:-}" ] || SERVERS=(miniweb before) # miniweb against its earlier self only
port() { case $1 in miniweb) echo 18080 ;; nethttp) echo 18081 ;; fasthttp) echo 18082 ;; nginx) echo 18083 ;; flask) echo 18084 ;; before) echo 18085 ;; esac; }

# start NAME SITE: starts the server pinned to core 0 and sets SPID (the
# process whose CPU time and memory count: nginx's or gunicorn's worker).
start() {
	local name=$1 site=$2 p
	p=$(port "$name")
	case $name in
	miniweb | before)
		GOMAXPROCS=1 taskset -c 0 "$TMP/$name" -config "$TMP/miniweb.toml" -addr "127.0.0.1:$p" \
			-static "$TMP/static" -templates "$TEMPLATES" -site "$site" -dev=false \
			-access-log=false 2>>"$TMP/miniweb.log" &
		;;
	nethttp | fasthttp)
		GOMAXPROCS=1 taskset -c 0 "$TMP/$name" -addr "127.0.0.1:$p" -static "$TMP/static" \
			-templates "$TEMPLATES" 2>>"$TMP/$name.log" &
		;;
	flask)
		MINIWEB_TEMPLATES=$TEMPLATES MINIWEB_STATIC=$TMP/static taskset -c 0 /usr/bin/python3 -m gunicorn \
			-w 1 -k sync -b "127.0.0.1:$p" --backlog 4096 --chdir "$HERE/flask" app:app 2>>"$TMP/flask.log" &
		;;
	nginx)
		taskset -c 0 "$NGINX" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>>"$TMP/nginx.log" &
		;;
	esac
	MASTER=$!
	await_start "$name" "http://127.0.0.1:$p/1k.bin"
	if [ "$name" = nginx ] || [ "$name" = flask ]; then SPID=$(pgrep -P "$MASTER" | head -1); fi
}
stop() { stop_server ':1808[0-5] '; }

# core1: "busy total" ticks of core 1, wrk's, from /proc/stat (busy: all but idle and iowait).
core1() { awk '$1 == "cpu1" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
# steal: "steal total" ticks of the whole machine: time the hypervisor gave
# our virtual CPUs to someone else, which no process here is charged for.
steal() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat; }
STEAL0=$(steal)

# Latency text of wrk ("812.00us", "1.20ms", "1.01s") in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN {
	n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
	if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
	printf "%.3f", n }'; }

# check NAME PATH WHEN: the answer measured is the one meant (check.sh):
# status 200, its size and its content; the page: ours byte for byte, ours
# being miniweb's first, itself checked for its size and markers. WHEN
# ("before", "after") goes in the message.
check() {
	local name=$1 path=$2 when=$3 url
	url="http://127.0.0.1:$(port "$name")$path"
	case $path in
	/hello.py) check_answer "$name $when" "$url" 200 13 13 "Hello, World!" "" ;;
	/about.py)
		if [ ! -f "$TMP/page.ours" ]; then
			check_answer "$name $when" "$url" 200 1400 1900 '<h1>About</h1>|aria-current="page">About</a>|href="/style.' "" || return 1
			cp "$TMP/check.body" "$TMP/page.ours"
		fi
		check_answer "$name $when" "$url" 200 "$(wc -c <"$TMP/page.ours")" "$(wc -c <"$TMP/page.ours")" "file:$TMP/page.ours" ""
		;;
	*) check_answer "$name $when" "$url" 200 "$(wc -c <"$TMP/static$path")" "$(wc -c <"$TMP/static$path")" "file:$TMP/static$path" "" ;;
	esac
}

# size PATH: the body's size of the answer to PATH, for wrk_verdict.
size() { case $1 in /hello.py) echo 13 ;; /about.py) wc -c <"$TMP/page.ours" ;; *) wc -c <"$TMP/static$1" ;; esac; }

RESULTS=$TMP/results.tsv
: >"$RESULTS"
secs=${DURATION%s}

# measure NAME WORKLOAD PATH CONNS ROUND
measure() {
	local name=$1 wl=$2 path=$3 c=$4 round=$5 url t0 t1 w0 w1 out rps reqs p50 p99 errs cpu wrkcpu
	url="http://127.0.0.1:$(port "$name")$path"
	if ! check "$name" "$path" "before $wl round $round"; then
		printf '%s\t%s\t%s\tFAILED\tbefore\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	taskset -c 1 wrk -t1 -c"$c" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
	t0=$(cputicks "$SPID")
	w0=$(core1)
	out=$(WANT_STATUS=200 taskset -c 1 wrk -t1 -c"$c" -d"$DURATION" --timeout 5s --latency -s "$HERE/status.lua" "$url" 2>&1)
	w1=$(core1)
	t1=$(cputicks "$SPID")
	wrkcpu=$(awk -v a="$w0" -v b="$w1" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }')
	echo "== $name $wl round $round" >>"$TMP/wrk.log"
	echo "$out" >>"$TMP/wrk.log"
	# Bytes per answer: the body and a head of up to 512 bytes.
	local body
	body=$(size "$path")
	if ! wrk_verdict "$name $wl round $round" "$out" "$body" $((body + 512)) "$c"; then
		printf '%s\t%s\t%s\tFAILED\tduring\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	if ! check "$name" "$path" "after $wl round $round"; then
		printf '%s\t%s\t%s\tFAILED\tafter\n' "$wl" "$name" "$round" >>"$RESULTS"
		return
	fi
	rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	errs=$(awk '/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF } END { print e + 0 }' <<<"$out")
	cpu=$((t1 - t0))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$name" "$round" "$rps" "$reqs" "$p50" "$p99" "$errs" "$cpu" "$wrkcpu" >>"$RESULTS"
	log "$wl $name round $round: $rps req/s p99 ${p99}ms errors $errs cpu ${cpu} ticks, wrk's core ${wrkcpu}%"
}

WORKLOADS=(
	"hello /hello.py 64"
	"static-1k /1k.bin 64"
	"static-100k /100k.bin 64"
	"static-10m /10m.bin 64"
	"page /about.py 64"
	"hello /hello.py 1000"
	"static-1k /1k.bin 1000"
)
for w in "${WORKLOADS[@]}"; do
	read -r wl path c <<<"$w"
	label="$wl c$c"
	# ONLY="page hello" runs just those workloads (a quick re-measure).
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $wl "* ]]; then continue; fi
	for round in $(seq "$ROUNDS"); do
		for s in "${SERVERS[@]}"; do
			if [ "$wl" = page ] && [ "$s" = nginx ]; then continue; fi
			if [ "$wl" != page ] && [ "$s" = flask ]; then continue; fi
			site=raw
			if [ "$wl" = page ]; then site=demo; fi
			start "$s" "$site"
			measure "$s" "$label" "$path" "$c" "$round"
			stop
		done
	done
done

# --- the table -----------------------------------------------------------
tck=$(getconf CLK_TCK)
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d);" \
	"load average at the end $(cut -d' ' -f1-3 /proc/loadavg); busy processes (≥ 20% CPU) now: $(b=$(busy); echo "${b:-none}");" \
	"CPU stolen by the hypervisor during the runs: $(awk -v a="$STEAL0" -v b="$(steal)" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.1f%%", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }')"
echo
# MEDIAN is the awk function both summaries below use: the median of a
# space-separated list of numbers.
MEDIAN='function median(list, n,    a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
echo "| workload | server | req/s | p50 ms | p99 ms | errors | server CPU | wrk's core | CPU µs/req | ours ÷ this [lowest–highest round] |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
# One row per workload and server, in the order first measured: the median
# of the rounds' req/s, p50 and p99; the errors of all rounds; CPU use and
# CPU per request over all rounds; the median busy share of wrk's core. A
# round's ratio is "cpu" (the peer's CPU time per request over ours) when
# the server was not the limit in either run of the pair: it used < 90% of
# its core, or wrk's core was >= 95% busy; else it is our req/s over the
# peer's. The row's kind is that of most rounds.
awk -F'\t' -v tck="$tck" -v secs="$secs" "$MEDIAN"'
	{
		k = $1 SUBSEP $2
		if (!(k in seen)) { seen[k] = 1; order[++rows] = k; wl[k] = $1; sv[k] = $2 }
		if ($4 == "FAILED") { failed[k] = failed[k] (failed[k] == "" ? "" : ", ") $5 " round " $3; next }
		rk = k SUBSEP $3
		cpu = $9 / tck
		r_rps[rk] = $4; r_util[rk] = 100 * cpu / secs; r_per[rk] = ($5 > 0) ? 1e6 * cpu / $5 : 0; r_wrk[rk] = $10
		rps[k] = rps[k] " " $4; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; wrk[k] = wrk[k] " " $10
		err[k] += $8; cpus[k] += cpu; reqs[k] += $5; runs[k]++
		if (!(($3) in rounds)) { rounds[$3] = 1; nr++ }
	}
	END {
		for (i = 1; i <= rows; i++) {
			k = order[i]
			if (k in failed) { printf "| %s | %s | check failed (%s) | | | | | | | |\n", wl[k], sv[k], failed[k]; continue }
			o = wl[k] SUBSEP "miniweb"; ratio = "—"
			if (sv[k] != "miniweb" && (o in runs)) {
				n = 0; list = ""; lo = ""; hi = ""; ncpu = 0
				for (r in rounds) {
					rk = k SUBSEP r; ro = o SUBSEP r
					if (!(rk in r_rps) || !(ro in r_rps)) continue
					if ((r_util[rk] < 90 || r_util[ro] < 90 || r_wrk[rk] >= 95 || r_wrk[ro] >= 95) && r_per[ro] > 0) { x = r_per[rk] / r_per[ro]; ncpu++ }
					else if (r_rps[rk] > 0) x = r_rps[ro] / r_rps[rk]
					else continue
					n++; list = list " " x
					if (lo == "" || x < lo) lo = x
					if (hi == "" || x > hi) hi = x
				}
				if (n > 0) {
					ratio = sprintf("%.2f×%s", median(list), (2 * ncpu > n) ? " cpu" : "")
					if (n > 1) ratio = ratio sprintf(" [%.2f–%.2f]", lo, hi)
				}
			}
			printf "| %s | %s | %d | %.2f | %.2f | %d | %.0f%% | %.0f%% | %.2f | %s |\n",
				wl[k], sv[k], median(rps[k]), median(p50[k]), median(p99[k]), err[k],
				100 * cpus[k] / (secs * runs[k]), median(wrk[k]), (reqs[k] > 0) ? 1e6 * cpus[k] / reqs[k] : 0, ratio
		}
	}' "$RESULTS"
echo
echo "miniweb ran with the access log off (-access-log=false) and -dev=false. Servers on core 0 (GOMAXPROCS=1," \
	"nginx worker_processes 1), wrk -t1 on core 1, keep-alive, $DURATION per run after a $WARMUP warm-up," \
	"$ROUNDS round(s), the servers taking turns. req/s, p50, p99, wrk's core: medians of the rounds. \"cpu\": in most" \
	"rounds a server of the pair was not the limit (it used < 90% of its core, or wrk's core was >= 95% busy)," \
	"so the ratio is the peer's CPU time per request over ours; otherwise it is our req/s over the peer's." \
	"Page: the demo's /about.py, the same" \
	"templates, data and bytes in every server (nginx: n/a); flask: gunicorn, one sync worker (a connection per request)." \
	"Checked before and after each measure: status 200, size, content; during it, every status (status.lua)."
awk -F'\t' "$MEDIAN"'
	$2 == "miniweb" && $4 != "FAILED" { p99[$1] = p99[$1] " " $7; e[$1] += $8 }
	END {
		for (w in p99) if (w ~ / c1000$/) {
			b = w; sub(/ c1000$/, " c64", b)
			if (!(b in p99)) continue
			x = median(p99[w]); y = median(p99[b])
			printf "miniweb %s: %d errors, p99 %.2f ms = %.1f× the c64 p99 (%.2f ms; target ≤ 3×, 0 errors)\n",
				w, e[w], x, (y > 0 ? x / y : 0), y
		}
	}' "$RESULTS"

if [ "$CHECK_FAILURES" != 0 ]; then
	echo
	echo "**$CHECK_FAILURES check(s) failed: the rows marked \"check failed\" measured something else than they mean (see CHECK FAILED above).**"
fi

# --- idle memory ---------------------------------------------------------
if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" idle "* ]]; then exit $((CHECK_FAILURES != 0)); fi
echo
echo "| server | idle keep-alive connections | RSS before MiB | RSS after MiB | RSS growth KiB/conn |"
echo "|---|---:|---:|---:|---:|"
for s in "${SERVERS[@]}"; do
	if [ "$s" = flask ]; then continue; fi # the page only
	start "$s" raw
	out=$("$TMP/idlemem" -addr "127.0.0.1:$(port "$s")" -pid "$SPID" -n "$IDLE_CONNS" -sources "$IDLE_SOURCES" -path /hello.py 2>&1) || true
	stop
	if [[ $out != conns=* ]]; then
		echo "| $s | failed: ${out//|/ } | | | |"
		continue
	fi
	eval "${out// /;}"
	awk -v s="$s" -v n="$conns" -v b="$rss_before_kib" -v a="$rss_after_kib" -v p="$per_conn_kib" \
		'BEGIN { printf "| %s | %d | %.1f | %.1f | %.2f |\n", s, n, b / 1024, a / 1024, p }'
done
exit $((CHECK_FAILURES != 0))
