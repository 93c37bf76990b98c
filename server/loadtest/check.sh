# check.sh: the checks every load script makes of what it measures, before
# and after each measure (issue 24), and the two helpers they all use
# (await_start, stop_server, cputicks, apt_install); sourced by run.sh, database.sh, h2.sh, lockout.sh
# and ship.sh, which set TMP. A benchmark of a redirect that was meant to be a
# page is worse than none: a script whose check fails says so loudly
# ("CHECK FAILED: ..." on stderr), does not measure or marks its row, and
# exits non-zero at the end.
#
#   check_answer WHAT URL STATUS MIN MAX MARKER LOCATION [curl options...]
#
# asks URL once with curl and wants the status STATUS, a body of MIN to MAX
# bytes, MARKER in the body (each of several separated by "|"; "file:PATH":
# the body equals the file; "" for none) and, when LOCATION is not "", that
# Location header; NOCOOKIE=1 also wants no Set-Cookie (a page that reseals
# its session on every request is not the page meant); HEAD_WANT="name:
# value" wants that header line (case aside); DECODE=gzip or zstd looks for
# MARKER in the body decoded so. The body is left in $TMP/check.body, the
# head in $TMP/check.head.
#
#   wrk_verdict WHAT OUT MIN MAX CONNS
#
# reads the line status.lua printed in wrk's output OUT and wants no answer
# of another status (nor wrk's own Non-2xx or 3xx count), at least one
# request, and MIN to MAX bytes per answer, head included; the answers cut
# off at the end of the run (up to CONNS of them) may add up to MAX each to
# the total, and are allowed for.
CHECK_FAILURES=0

check_fail() {
	echo "CHECK FAILED: $*" >&2
	CHECK_FAILURES=$((CHECK_FAILURES + 1))
	return 1
}

check_answer() {
	local what=$1 url=$2 status=$3 min=$4 max=$5 marker=$6 location=$7 got code size loc m
	shift 7
	got=$(curl -s -m 10 -o "$TMP/check.body" -D "$TMP/check.head" -w '%{http_code} %{size_download}' "$@" "$url") || got="000 0"
	read -r code size <<<"$got"
	loc=$(awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$TMP/check.head" 2>/dev/null)
	if [ "$code" != "$status" ]; then
		check_fail "$what: $url: status $code${loc:+ to $loc}, $size bytes; want $status"
		return 1
	fi
	if [ "$size" -lt "$min" ] || [ "$size" -gt "$max" ]; then
		check_fail "$what: $url: $size bytes; want $min to $max"
		return 1
	fi
	if [ -n "$location" ] && [ "$loc" != "$location" ]; then
		check_fail "$what: $url: Location ${loc:-none}; want $location"
		return 1
	fi
	if [ "${NOCOOKIE:-0}" = 1 ] && grep -qi '^set-cookie:' "$TMP/check.head"; then
		check_fail "$what: $url: the answer sets a cookie; the page measured must not"
		return 1
	fi
	if [ -n "${HEAD_WANT:-}" ] && ! tr -d '\r' <"$TMP/check.head" | grep -qixF -- "$HEAD_WANT"; then
		check_fail "$what: $url: no \"$HEAD_WANT\" in the answer's head"
		return 1
	fi
	if [ -n "${DECODE:-}" ]; then
		if ! "$DECODE" -dc <"$TMP/check.body" >"$TMP/check.decoded" 2>/dev/null; then
			check_fail "$what: $url: the body does not decode as $DECODE"
			return 1
		fi
		mv "$TMP/check.decoded" "$TMP/check.body"
	fi
	case $marker in
	"") ;;
	file:*)
		if ! cmp -s "$TMP/check.body" "${marker#file:}"; then
			check_fail "$what: $url: the body is not ${marker#file:} ($(cmp "$TMP/check.body" "${marker#file:}" 2>&1 | head -1))"
			return 1
		fi
		;;
	*)
		local IFS='|'
		for m in $marker; do
			if ! grep -qF -- "$m" "$TMP/check.body"; then
				check_fail "$what: $url: the body lacks \"$m\""
				return 1
			fi
		done
		;;
	esac
}

wrk_verdict() {
	local what=$1 out=$2 min=$3 max=$4 conns=$5 line
	line=$(grep '^status-check:' <<<"$out" || true)
	if [ -z "$line" ]; then
		check_fail "$what: wrk printed no status-check line (status.lua not loaded?)"
		return 1
	fi
	# status-check: want W other O first_other F requests R bytes B status_errors E
	set -- $line
	local want=$3 other=$5 first=$7 reqs=$9 bytes=${11} serrs=${13}
	if [ "$other" != 0 ] || [ "$serrs" != 0 ]; then
		check_fail "$what: $other answers during the measure were not $want${WANT_LOCATION:+ to $WANT_LOCATION} (the first: $first); wrk's Non-2xx or 3xx: $serrs"
		return 1
	fi
	if [ "$reqs" = 0 ]; then
		check_fail "$what: wrk completed no request"
		return 1
	fi
	if ! awk -v b="$bytes" -v r="$reqs" -v lo="$min" -v hi="$max" -v c="$conns" \
		'BEGIN { exit !(b >= lo * r && b <= hi * (r + c)) }'; then
		check_fail "$what: $bytes bytes for $reqs answers ($((bytes / reqs)) each); want $min to $max each"
		return 1
	fi
}

# cputicks PID prints the CPU time the process has used, user and system,
# in clock ticks (/proc/PID/stat's utime + stime): what a measure counts.
cputicks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime+stime

# await_start NAME URL [curl options...] waits, up to ten seconds, for the
# server just started in the background (MASTER) to answer URL, and stops
# waiting if it exits (its port taken, say); it then sets SPID, the
# process whose CPU time counts, to MASTER (a script whose server forks
# its workers sets SPID to the worker after it).
await_start() {
	local name=$1 url=$2
	shift 2
	for _ in $(seq 200); do
		curl -s -m 2 -o /dev/null "$@" "$url" && break
		kill -0 "$MASTER" 2>/dev/null || { log "$name exited at start (port taken?)"; break; }
		sleep 0.05
	done
	SPID=$MASTER
}

# stop_server PORTS stops the server MASTER and waits, up to five seconds,
# until no socket listens on a port matching the extended regular
# expression PORTS (":1808[0-5] "): the next server must not find its port
# taken.
stop_server() {
	kill "$MASTER" 2>/dev/null || true
	wait "$MASTER" 2>/dev/null || true
	MASTER=
	for _ in $(seq 100); do
		ss -Hltn 2>/dev/null | grep -qE "$1" || break
		sleep 0.05
	done
}

# apt_install PACKAGE... installs Debian packages quietly, updating the
# package lists once if the first try fails (as root; Debian 12).
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }
}
