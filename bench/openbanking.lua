-- wrk script of bench/run.py: the Open Banking workloads and the baseline's.
--
--   wrk -t2 -c64 -d5s -s bench/openbanking.lua http://127.0.0.1:PORT -- CONFIG_FILE
--
-- CONFIG_FILE (written by bench/run.py) holds one setting a line, "key value":
--   workload   balance | transactions | withdraw | deposit | token | mixed
--              | baseline_get | baseline_post
--   run        two digits, a new one for every wrk run (keeps bank_tran_ids unique)
--   code       the institution's client_use_code
--   date, dtime  the simulated day (YYYYMMDD) and a tran_dtime (YYYYMMDDhhmmss)
--   client_id, client_secret, oob (a client_credentials token), cntr_withdraw, cntr_deposit
--   user       "<access_token> <fintech_use_num>", one line per user
--   weight     "<kind> <percent>", the mix of the mixed workload
--
-- Every request that carries a bank_tran_id gets a new one: <code>U<run><thread><counter>
-- (2 + 1 + 6 digits), as the testbed refuses a repeated one (A0326). response() counts
-- the answers that are not HTTP 200 with rsp_code A0000 (or, for the token endpoint,
-- an access_token); done() prints one line "WRK_JSON {...}" that bench/run.py reads.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local cfg = { users = {}, weights = {} }
local counter = 0
local prefix = ""
local kinds = {}
local pick = {}

local function read_config(path)
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    local key, value = line:match("^(%S+)%s+(.*)$")
    if key == "user" then
      local token, fin = value:match("^(%S+)%s+(%S+)$")
      table.insert(cfg.users, { token = token, fin = fin })
    elseif key == "weight" then
      local kind, percent = value:match("^(%S+)%s+(%d+)$")
      table.insert(cfg.weights, { kind = kind, percent = tonumber(percent) })
    elseif key then
      cfg[key] = value
    end
  end
  file:close()
end

local function next_id()
  counter = counter + 1
  if counter > 999999 then
    error("more than 999999 requests in one thread: the bank_tran_ids would repeat")
  end
  return prefix .. string.format("%06d", counter)
end

local function user()
  return cfg.users[(counter % #cfg.users) + 1]
end

local JSON = { ["Content-Type"] = "application/json; charset=UTF-8" }

local function bearer(token, extra)
  local headers = { ["Authorization"] = "Bearer " .. token }
  for k, v in pairs(extra or {}) do
    headers[k] = v
  end
  return headers
end

local build = {}

function build.baseline_get()
  return wrk.format("GET", "/")
end

local function withdraw_body(id, u)
  return string.format(
    '{"bank_tran_id": "%s", "cntr_account_type": "N", "cntr_account_num": "%s",'
      .. ' "dps_print_content": "포인트충전", "fintech_use_num": "%s",'
      .. ' "wd_print_content": "핀테크충전", "tran_amt": "1000", "tran_dtime": "%s",'
      .. ' "req_client_name": "홍길동", "req_client_fintech_use_num": "%s",'
      .. ' "req_client_num": "MEMBER0001", "transfer_purpose": "RC"}',
    id, cfg.cntr_withdraw, u.fin, cfg.dtime, u.fin
  )
end

function build.baseline_post()
  local id = next_id()
  return wrk.format("POST", "/", JSON, withdraw_body(id, user()))
end

function build.balance()
  local id = next_id()
  local u = user()
  local path = string.format(
    "/v2.0/account/balance/fin_num?bank_tran_id=%s&fintech_use_num=%s&tran_dtime=%s",
    id, u.fin, cfg.dtime
  )
  return wrk.format("GET", path, bearer(u.token))
end

function build.transactions()
  local id = next_id()
  local u = user()
  local path = string.format(
    "/v2.0/account/transaction_list/fin_num?bank_tran_id=%s&fintech_use_num=%s"
      .. "&inquiry_type=A&inquiry_base=D&from_date=%s&to_date=%s&sort_order=D&tran_dtime=%s",
    id, u.fin, cfg.date, cfg.date, cfg.dtime
  )
  return wrk.format("GET", path, bearer(u.token))
end

function build.withdraw()
  local id = next_id()
  local u = user()
  return wrk.format("POST", "/v2.0/transfer/withdraw/fin_num", bearer(u.token, JSON),
    withdraw_body(id, u))
end

function build.deposit()
  local id = next_id()
  local u = user()
  local body = string.format(
    '{"cntr_account_type": "N", "cntr_account_num": "%s", "wd_pass_phrase": "NONE",'
      .. ' "wd_print_content": "환불", "name_check_option": "on", "tran_dtime": "%s",'
      .. ' "req_cnt": "1", "req_list": [{"tran_no": "1", "bank_tran_id": "%s",'
      .. ' "fintech_use_num": "%s", "print_content": "테스트핀테크", "tran_amt": "1000",'
      .. ' "req_client_name": "홍길동", "req_client_bank_code": "088",'
      .. ' "req_client_account_num": "1234567890", "req_client_num": "MEMBER0001",'
      .. ' "transfer_purpose": "TR"}]}',
    cfg.cntr_deposit, cfg.dtime, id, u.fin
  )
  return wrk.format("POST", "/v2.0/transfer/deposit/fin_num", bearer(cfg.oob, JSON), body)
end

function build.token()
  local body = string.format(
    "client_id=%s&client_secret=%s&scope=oob&grant_type=client_credentials",
    cfg.client_id, cfg.client_secret
  )
  return wrk.format("POST", "/oauth/2.0/token",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function build.mixed()
  local roll = math.random(100)
  for _, entry in ipairs(pick) do
    if roll <= entry.upto then
      return build[entry.kind]()
    end
  end
  return build.balance()
end

function init(args)
  read_config(args[1])
  prefix = string.format("%sU%02d%d", cfg.code or "T000000000", tonumber(cfg.run), tid)
  math.randomseed(tonumber(cfg.run) * 10 + tid)
  local upto = 0
  for _, w in ipairs(cfg.weights) do
    upto = upto + w.percent
    table.insert(pick, { kind = w.kind, upto = upto })
  end
  if not build[cfg.workload] then
    error("unknown workload " .. tostring(cfg.workload))
  end
  answers, non_ok, first_bad = 0, 0, ""
end

function request()
  return build[cfg.workload]()
end

function response(status, headers, body)
  answers = answers + 1
  local ok = status == 200 and body ~= nil
    and (body:find('"rsp_code"%s*:%s*"A0000"') or body:find('"access_token"', 1, true))
  if not ok then
    non_ok = non_ok + 1
    if first_bad == "" then
      first_bad = string.format("HTTP %d %s", status, string.sub(body or "", 1, 240))
    end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function done(summary, latency, requests)
  local answered, bad, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    answered = answered + (t:get("answers") or 0)
    bad = bad + (t:get("non_ok") or 0)
    if sample == "" then
      sample = t:get("first_bad") or ""
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "answers": %d, "non_ok": %d,'
      .. ' "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d},'
      .. ' "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d,'
      .. ' "first_bad": %s}\n',
    summary.requests, summary.duration, summary.bytes, answered, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, json_string(sample)
  ))
end
