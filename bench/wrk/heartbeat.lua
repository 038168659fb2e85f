-- wrk script: POST /healthcheck, each request for another of SMS_BENCH_SERVERS server ids
-- (default 1 000 000), as a fleet of agents would. SMS_BENCH_DELAY_MS > 0 paces each
-- connection (offered rate ~ connections * 1000 / (delay + latency)), for a sustained-rate run.
-- SMS_BENCH_RATE > 0 paces each wrk thread instead to that many requests per second, whatever
-- the latency (as long as its connections can carry them: connections / latency > rate).
-- SMS_BENCH_INTERVAL (default 30) is the interval the heartbeats announce, in seconds.
-- SMS_BENCH_FIRST (default 0) is the first id, so two runs can drive disjoint fleets.
local servers = tonumber(os.getenv("SMS_BENCH_SERVERS") or "1000000")
local first = tonumber(os.getenv("SMS_BENCH_FIRST") or "0")
local pause = tonumber(os.getenv("SMS_BENCH_DELAY_MS") or "0")
local rate = tonumber(os.getenv("SMS_BENCH_RATE") or "0")
local interval = tonumber(os.getenv("SMS_BENCH_INTERVAL") or "30")
local threads = 0
local counter = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  -- Threads walk disjoint stretches of the id space, so every request of a pass is a distinct
  -- server until the fleet wraps around.
  local id = first + ((tid or 0) * 500009 + counter) % servers
  return wrk.format(nil, nil, nil,
    '{"server_id":"srv-' .. id .. '","hostname":"srv-' .. id .. '","interval":' .. interval .. '}')
end

if rate > 0 then
  -- wrk asks delay() when a connection is free for its next request. Each call books the next
  -- free slot of this thread's schedule (one every 1/rate s) and waits until it, so the thread
  -- sends `rate` requests a second. Slots missed while the thread was not scheduled are sent at
  -- once; a backlog older than a second is dropped, so a slow server meets no endless burst.
  local ffi = require("ffi")
  ffi.cdef [[
    struct sms_timespec { long tv_sec; long tv_nsec; };
    int clock_gettime(int clock, struct sms_timespec *out);
  ]]
  local now_ts = ffi.new("struct sms_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
    return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
  end
  local step = 1000 / rate
  local next_slot = nil

  function delay()
    local now = now_ms()
    next_slot = next_slot or now
    local slot = math.max(now - 1000, next_slot)
    next_slot = slot + step
    return math.max(0, slot - now)
  end
elseif pause > 0 then
  function delay()
    return pause
  end
end
