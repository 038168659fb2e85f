-- wrk script: GET the paths of the file SMS_BENCH_PATHS (one a line) in turn, each thread
-- from its own start, with the bearer token SMS_BENCH_TOKEN.
local paths = {}
for line in io.lines(os.getenv("SMS_BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("SMS_BENCH_TOKEN")
local i = 0

function setup(thread)
  thread:set("start", math.random(#paths))
end

function init(args)
  i = start or 0
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
