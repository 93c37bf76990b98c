-- status.lua: wrk's check that every answer of a measure is the one meant
-- (issue 24). wrk counts only statuses over 399 as "Non-2xx or 3xx
-- responses", so a redirect measured in place of a page passes unseen; this
-- counts every answer whose status is not WANT_STATUS (default 200), or,
-- when WANT_LOCATION is set, whose Location header is not it, and prints
-- at the end one line for the calling script to check:
--
--   status-check: want 200 other 0 first_other 0 requests 123456 bytes 567890123 status_errors 0
--
-- first_other is the first wrong status seen (0: none). A request script
-- that has its own request() loads this file with dofile. wrk runs
-- response() in each thread's Lua state and done() in another, so the
-- counts are read back from the threads (setup keeps them).
local want = tonumber(os.getenv("WANT_STATUS") or "200")
local want_location = os.getenv("WANT_LOCATION") or ""
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

other = 0
first_other = 0

function response(status, headers, body)
	if status ~= want or (want_location ~= "" and headers["Location"] ~= want_location) then
		other = other + 1
		if first_other == 0 then first_other = status end
	end
end

function done(summary, latency, requests)
	local o, f = 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("other")
		if f == 0 then f = t:get("first_other") end
	end
	io.write(string.format("status-check: want %d other %d first_other %d requests %d bytes %d status_errors %d\n",
		want, o, f, summary.requests, summary.bytes, summary.errors.status))
end
