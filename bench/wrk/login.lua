-- wrk script: POST /api/v1/auth/login as SMS_BENCH_USER with SMS_BENCH_PASSWORD, in a loop
-- (successful logins and, past the login limit, 429s).
local body = '{"username":"' .. (os.getenv("SMS_BENCH_USER") or "bench") ..
  '","password":"' .. (os.getenv("SMS_BENCH_PASSWORD") or "") .. '"}'

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = body
end
