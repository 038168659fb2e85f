-- wrk script: POST /healthcheck, each request for another of SMS_BENCH_SERVERS server ids
-- (default 1 000 000), as a fleet of agents would. SMS_BENCH_DELAY_MS > 0 paces each
-- connection (offered rate ~ connections * 1000 / delay), for a sustained-rate run.
local servers = tonumber(os.getenv("SMS_BENCH_SERVERS") or "1000000")
local pause = tonumber(os.getenv("SMS_BENCH_DELAY_MS") or "0")
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
  local id = ((tid or 0) * 500009 + counter) % servers
  return wrk.format(nil, nil, nil,
    '{"server_id":"srv-' .. id .. '","hostname":"srv-' .. id .. '","interval":30}')
end

if pause > 0 then
  function delay()
    return pause
  end
end
