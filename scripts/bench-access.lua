-- wrk script of scripts/bench-access (and bench-intake, bench-open311): one request shape, paced to a rate,
-- one RESULT line at the end. Without BENCH_KEY the requests carry no credential.
local key = os.getenv("BENCH_KEY")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end
if key and key ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. key
end

function delay()
    return pause
end

function done(summary, latency, requests)
    local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, errors))
end
