// The API console (/console) and its OAuth callback (/console/callback). Plain ES2020,
// nothing from the internet. What the forms know comes from GET /console/config, which
// is built from the same catalogue as the router (testbed/api/routes.py OPERATIONS).
"use strict";

(() => {
  const AUTHORIZE = "/oauth/2.0/authorize";
  const TOKEN = "/oauth/2.0/token";
  const REVOKE = "/oauth/2.0/revoke";
  const USER_SCOPES = ["login", "inquiry", "transfer"];
  const HISTORY_KEY = "console.history";
  const HISTORY_MAX = 50;
  const S = {  // sessionStorage keys: what lives as long as the tab
    oob: "console.oob_token",
    sa: "console.sa_token",  // the self-auth institution's (scope sa)
    user: "console.user_token",
    userSeq: "console.user_seq_no",
    userFintech: "console.user_fintech_use_num",
    userRefresh: "console.user_refresh_token",
    oauth: "console.oauth",  // the authorize request under way: state, redirect_uri, api
    pending: "console.pending",  // the callback's token call, for the console's history
    // the credentials typed (a developer's own app): the console is used as that
    // institution, and stays so across the consent round trip (this tab only)
    clientId: "console.client_id",
    clientSecret: "console.client_secret",
  };

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k in node && typeof v !== "string") node[k] = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) node.append(c);
    return node;
  };
  const pretty = (v) => JSON.stringify(v, null, 2);
  const readJSON = (storage, key, fallback) => {
    try {
      const v = JSON.parse(storage.getItem(key) || "null");
      return v === null ? fallback : v;
    } catch (_) {
      return fallback;
    }
  };
  const randomHex = (bytes) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

  // the credentials the console is used with: as typed, else as kept for this tab
  function typedCredentials() {
    const id = document.getElementById("client-id");
    const secret = document.getElementById("client-secret");
    return {
      id: ((id && id.value.trim()) || sessionStorage.getItem(S.clientId) || "").trim(),
      secret: ((secret && secret.value.trim()) || sessionStorage.getItem(S.clientSecret) || "").trim(),
    };
  }

  // with the user token, the config's user is the signed-in one (else a seeded user); with
  // a developer's credentials (not the demo's), the config is their institution's
  async function fetchConfig() {
    const input = document.getElementById("user-token");
    const token = ((input && input.value.trim()) || sessionStorage.getItem(S.user) || "").trim();
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const creds = typedCredentials();
    if (creds.id && sessionStorage.getItem(S.clientId)) {
      headers["X-Console-Client-Id"] = creds.id;
      headers["X-Console-Client-Secret"] = creds.secret;
    }
    const resp = await fetch("/console/config", { cache: "no-store", headers });
    if (!resp.ok) throw new Error(`/console/config: HTTP ${resp.status}`);
    return resp.json();
  }

  // --- the callback page ------------------------------------------------------------------

  async function callbackPage() {
    const status = $("#callback-status");
    const detail = $("#callback-detail");
    const fail = (ko, en, data) => {
      status.className = "status bad";
      status.textContent = `${ko} · ${en}`;
      if (data !== undefined) {
        detail.hidden = false;
        detail.textContent = typeof data === "string" ? data : pretty(data);
      }
    };
    const params = new URLSearchParams(location.search);
    const saved = readJSON(sessionStorage, S.oauth, null);
    if (params.get("error")) {
      sessionStorage.removeItem(S.oauth);
      fail("사용자인증이 완료되지 않았습니다", "Authorization did not complete", Object.fromEntries(params));
      return;
    }
    if (!saved || !params.get("state") || params.get("state") !== saved.state) {
      fail("state가 이 콘솔이 보낸 값과 다릅니다: 콘솔에서 다시 시작하세요",
        "state does not match the console's request: start again from the console",
        Object.fromEntries(params));
      return;
    }
    const code = params.get("code") || "";
    let cfg;
    try {
      cfg = await fetchConfig();
    } catch (e) {
      fail("설정을 읽지 못했습니다", "Cannot read /console/config", String(e));
      return;
    }
    const values = {
      code,
      client_id: saved.client_id || cfg.client_id,
      client_secret: saved.client_secret || cfg.client_secret,
      redirect_uri: saved.redirect_uri,
      grant_type: "authorization_code",
    };
    const started = performance.now();
    let resp, text, data;
    try {
      resp = await fetch(TOKEN, { method: "POST", body: new URLSearchParams(values) });
      text = await resp.text();
      data = JSON.parse(text);
    } catch (e) {
      fail("토큰 요청이 실패했습니다", "The token request failed", text || String(e));
      return;
    }
    sessionStorage.removeItem(S.oauth);
    sessionStorage.setItem(S.pending, JSON.stringify({
      path: TOKEN, values, status: resp.status, ms: Math.round(performance.now() - started),
      warning: resp.headers.get("X-Testbed-Warning") || "", response: data,
    }));
    if (!data.access_token) {
      fail(`토큰을 받지 못했습니다 (${data.rsp_code || resp.status})`, "No token was issued", data);
      return;
    }
    sessionStorage.setItem(S.user, data.access_token);
    sessionStorage.setItem(S.userSeq, data.user_seq_no || "");
    sessionStorage.setItem(S.userRefresh, data.refresh_token || "");
    sessionStorage.removeItem(S.userFintech);  // the console's config names this user's
    status.className = "status ok";
    status.textContent = "사용자 토큰을 받았습니다. 콘솔로 돌아갑니다… · Token received: back to the console…";
    const back = saved.api ? `/console?api=${encodeURIComponent(saved.api)}` : "/console";
    location.replace(back);
  }

  // --- the console ------------------------------------------------------------------------

  let cfg = null;
  let ops = new Map();  // path -> operation view
  let current = null;  // the operation on the form
  let lastExchange = null;  // what the request/response panels show

  const tokenInputs = () => ({ oob: $("#oob-token"), user: $("#user-token"), sa: $("#sa-token") });

  function status(node, text, kind) {
    node.textContent = text;
    node.className = `status${kind ? ` ${kind}` : ""}`;
  }

  // bank_tran_id = 이용기관코드 + "U" + 9 digits, a counter in localStorage that starts at a
  // random point (a new browser must not repeat another's numbers on the same day)
  function newBankTranId(code) {
    const key = `console.seq.${code}`;
    let n = parseInt(localStorage.getItem(key) || "", 10);
    if (!Number.isFinite(n) || n < 0) {
      n = crypto.getRandomValues(new Uint32Array(1))[0] % 900000000;
    }
    n = (n % 999999999) + 1;
    localStorage.setItem(key, String(n));
    return `${code}U${String(n).padStart(9, "0")}`;
  }

  function shiftDate(yyyymmdd, days) {
    const d = new Date(Date.UTC(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6) - 1, +yyyymmdd.slice(6, 8)));
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10).replace(/-/g, "");
  }

  // the token an API is sent with: none (OAuth: the client's id and secret are in the form),
  // the self-auth institution's (sa only), the signed-in user's (login, inquiry, transfer),
  // else the demo institution's (oob)
  function tokenKind(op) {
    if (op.path.startsWith("/oauth/")) return "none";
    if (op.scopes.length === 1 && op.scopes[0] === "sa") return "sa";
    if (op.scopes.some((s) => USER_SCOPES.includes(s))) return "user";
    return "oob";
  }

  // the institution a call is made as: the self-auth one for sa calls, else the demo one
  function institutionOf(kind) {
    return kind === "sa" && cfg.self_auth ? cfg.self_auth : cfg;
  }

  // the demo institution's calls this browser made (the sa token's are another institution's)
  // (and of the institution the console is used as now)
  const ours = (h) => h.token !== "sa" && (!h.client_use_code || h.client_use_code === cfg.client_use_code);
  const answered = (h) => h.response && typeof h.response === "object";

  // the last transfer the centre recorded (it answered with a bank_tran_date)
  function lastTransfer() {
    return history().find((h) => /\/transfer\/(withdraw|deposit)\//.test(h.path) && ours(h) &&
      h.bank_tran_id && answered(h) && (h.response.bank_tran_date ||
        (Array.isArray(h.response.res_list) && h.response.res_list[0] && h.response.res_list[0].bank_tran_date)));
  }

  // the last deposit whose money moved and that this browser has not claimed back yet
  function lastDeposit() {
    const list = history();
    const claimed = new Set(list.filter((h) => h.path === "/v2.0/return/claim" && h.rsp_code === "A0000")
      .map((h) => h.values.org_bank_tran_id));
    const deposits = list.filter((h) => /\/transfer\/deposit\//.test(h.path) && ours(h) && h.rsp_code === "A0000" &&
      Array.isArray(h.items) && h.items[0]);
    return deposits.find((h) => !claimed.has(h.bank_tran_id)) || deposits[0];
  }

  function lastClaim() {
    return history().find((h) => h.path === "/v2.0/return/claim" && ours(h) && h.rsp_code === "A0000");
  }

  // a sensible value for a field of `op`; "" leaves it empty. The customer is the console's
  // user (config: the signed-in one, else a seeded one), its accounts the ones named there.
  function defaultValue(name, op, field) {
    const path = op.path;
    const kind = tokenKind(op);
    const sa = kind === "sa";
    const inst = institutionOf(kind);
    const contracts = inst.contract_accounts || {};
    const withdraw = path.includes("/withdraw/");
    const contract = contracts[withdraw || path === "/v2.0/inquiry/remit_list" ? "withdraw" : "deposit"] || {};
    const u = cfg.user || {};
    const register = u.register || {};
    // the user's account with the demo institution, and with the self-auth one (before
    // user/register: the account it would register, which answers A0323 until then)
    const demo = u.demo || register;
    const own = u.self_auth || register;
    const fintech = $("#user-fintech").value.trim() || (u.demo ? u.demo.fintech_use_num : "");
    let account = sa ? own : demo;
    if (path === "/v2.0/user/register") account = register;
    if (path === "/v2.0/inquiry/remit_list") {  // deposits into the contract account users pay
      account = { bank_code_std: contract.bank_code, account_num: contract.account_num };
    }
    const today = cfg.now.date;
    const last = lastTransfer();
    const deposit = path === "/v2.0/return/claim" ? lastDeposit() : undefined;
    const depositItem = deposit ? deposit.items[0] : {};
    const claim = path === "/v2.0/return/result" ? lastClaim() : undefined;
    const placeholder = `${inst.client_use_code}U000000000`;  // matches nothing: A0310
    const original = path === "/v2.0/return/claim"
      ? { id: deposit && deposit.bank_tran_id, date: deposit && deposit.tran_date, amt: deposit && deposit.tran_amt }
      : { id: last && last.bank_tran_id, date: last && last.tran_date, amt: last && last.tran_amt };
    const scopes = {
      [TOKEN]: "oob",
      "/v2.0/user/register": register.scope,
      "/v2.0/account/update": own.scope,
      "/v2.0/account/info": own.scope,
    };
    const table = {
      bank_tran_id: () => newBankTranId(inst.client_use_code),
      tran_dtime: () => cfg.now.tran_dtime,
      fintech_use_num: () => (path === "/v2.0/inquiry/receive" ? "" : fintech),  // receive: by account
      cntr_account_type: () => contract.cntr_account_type || "N",
      cntr_account_num: () => contract.account_num || "",
      wd_pass_phrase: () => inst.wd_pass_phrase || "NONE",
      name_check_option: () => "on",
      req_cnt: () => "1",
      user_seq_no: () => (sa ? u.user_seq_no : $("#user-seq-no").value.trim() || u.user_seq_no) || "",
      client_use_code: () => inst.client_use_code,
      client_id: () => $("#client-id").value.trim(),
      client_secret: () => $("#client-secret").value.trim(),
      grant_type: () => "client_credentials",
      scope: () => scopes[path] || (field.required && field.choices.length ? field.choices[0] : ""),
      access_token: () => $("#oob-token").value.trim(),
      bank_code_std: () => account.bank_code_std || "",
      account_num: () => account.account_num || "",
      register_account_num: () => register.account_num || "",
      wd_bank_code_std: () => own.bank_code_std || "",
      wd_account_num: () => own.account_num || "",
      user_info: () => u.user_info || "",
      user_name: () => u.user_name || "",
      user_ci: () => u.user_ci || "",
      info_prvd_agmt_yn: () => "Y",
      wd_agmt_yn: () => ((register.scope || "").includes("transfer") ? "Y" : ""),
      from_date: () => shiftDate(today, -30),
      to_date: () => today,
      from_time: () => (field.required ? "000000" : ""),
      to_time: () => (field.required ? "235959" : ""),
      inquiry_date: () => today,
      inquiry_type: () => "A",
      inquiry_base: () => "D",
      sort_order: () => "D",
      tran_amt: () => "1000",
      print_content: () => "콘솔입금",
      dps_print_content: () => "콘솔출금",
      wd_print_content: () => (withdraw ? "" : "콘솔지급"),
      // the requesting customer (AML) is the console's user: by its fintech_use_num with the
      // demo institution, by the withdrawn account itself for the self-auth one
      req_client_name: () => u.user_name || "",
      req_client_fintech_use_num: () => (sa ? "" : fintech),
      req_client_bank_code: () => (sa ? own.bank_code_std || "" : ""),
      req_client_account_num: () => (sa ? own.account_num || "" : ""),
      req_client_num: () => "CONSOLE0001",
      transfer_purpose: () => "TR",
      account_alias: () => "콘솔별명",
      account_holder_name: () => demo.account_holder_name || u.user_name || "",
      check_type: () => (last && last.path.includes("/deposit/") ? "2" : "1"),
      // transfer/result items: the last transfer this browser made; return/claim: its
      // last deposit not claimed yet (none: an id that matches nothing, A0310 as the note says)
      tran_no: () => "1",
      org_bank_tran_id: () => original.id || placeholder,
      org_bank_tran_date: () => original.date || today,
      org_tran_amt: () => original.amt || "1000",
      org_dps_fintech_use_num: () => (deposit ? depositItem.fintech_use_num || "" : fintech),
      org_dps_bank_code_std: () => (deposit && !depositItem.fintech_use_num ? depositItem.bank_code_std || "" : ""),
      org_dps_account_num: () => (deposit && !depositItem.fintech_use_num ? depositItem.account_num || "" : ""),
      org_wd_bank_code_std: () => (contracts.deposit || {}).bank_code || "",
      claim_code: () => "05",
      claim_message: () => "콘솔 반환청구",
      total_return_yn: () => "Y",
      claim_bank_tran_id: () => (claim ? claim.bank_tran_id : placeholder),
      claim_bank_tran_date: () => (claim ? claim.tran_date : today),
    };
    if (table[name]) return table[name]();
    if (field && field.required && field.choices.length) return field.choices[0];
    return "";
  }

  function defaultItems(op) {
    const item = {};
    for (const f of op.items) {
      const v = defaultValue(f.name, op, f);
      if (v !== "") item[f.name] = v;
    }
    return [item];
  }

  // --- the form -------------------------------------------------------------------------

  function fieldRow(op, f) {
    const id = `f-${f.name}`;
    const hintId = `${id}-hint`;
    const label = el("label", { for: id },
      f.label_ko, " ", el("span", { class: "en", text: f.label_en }), " ", el("code", { text: f.name }));
    if (f.required) label.append(" ", el("span", { class: "req", "aria-hidden": "true", text: "*" }));
    let input;
    if (f.choices.length) {
      input = el("select", { id, name: f.name });
      if (!f.required) input.append(el("option", { value: "", text: "— (보내지 않음 · not sent)" }));
      for (const c of f.choices) input.append(el("option", { value: c, text: c }));
    } else {
      input = el("input", { id, name: f.name, type: "text", maxlength: String(f.size), spellcheck: "false" });
    }
    if (f.required) input.setAttribute("aria-required", "true");
    input.setAttribute("aria-describedby", hintId);
    input.dataset.auto = "1";
    input.addEventListener("input", () => { input.dataset.auto = "0"; });
    input.value = defaultValue(f.name, op, f);
    const kinds = { N: "숫자 digits", AN: "영문·숫자 letters, digits", aN: "영문·숫자 letters, digits",
      A: "영문 letters", AH: "한글·문자 any text", aNS: "ASCII" };
    const hint = el("p", { class: "hint", id: hintId,
      text: `${f.kind}(${f.size})${f.exact ? " exact" : ""} · ${kinds[f.kind] || ""} · ${f.required ? "필수 required" : "선택 optional"}` });
    return el("div", { class: "field" }, label, input, hint);
  }

  function selectOp(path, opts = {}) {
    const op = ops.get(path) || ops.get(TOKEN);
    current = op;
    localStorage.setItem("console.api", op.path);
    for (const b of document.querySelectorAll("button.api")) {
      b.setAttribute("aria-pressed", String(b.dataset.path === op.path));
    }
    for (const a of document.querySelectorAll("a.flow[data-api]")) {
      a.setAttribute("aria-current", String(a.dataset.api === op.path));
    }
    $("#api-select").value = op.path;
    const title = $("#api-title");
    title.replaceChildren(op.name_ko, " ", el("span", { class: "en", text: op.name_en }));
    $("#api-meta").replaceChildren(
      el("span", { class: `method method-${op.method.toLowerCase()}`, text: op.method }), " ",
      el("code", { text: op.path }), ` · ${op.group}`,
      op.scopes.length ? ` · scope: ${op.scopes.join(", ")}` : "",
      ` · ${op.body === "query" ? "query string" : op.body === "form" ? "form (x-www-form-urlencoded)" : "JSON body"}`);
    const kind = tokenKind(op);
    const choice = $("#token-choice");
    for (const option of choice.options) option.disabled = (option.value === "none") !== (kind === "none");
    choice.value = kind;
    const note = $("#api-note");
    note.hidden = !op.note;
    note.dataset.code = op.note ? op.note.code : "";
    if (op.note) {
      note.replaceChildren(el("strong", { text: "기본값 안내 · About the defaults: " }), op.note.ko, " ",
        el("span", { class: "en", text: op.note.en }));
    }
    const fields = $("#fields");
    fields.replaceChildren(...op.fields.map((f) => fieldRow(op, f)));
    if (!op.fields.length) {
      fields.append(el("p", { class: "meta", text: "요청 항목이 없습니다. · This API takes no parameters." }));
    }
    const editor = $("#items-editor");
    editor.hidden = !op.list;
    $("#req-list-error").textContent = "";
    if (op.list) {
      $("#req-list").value = pretty(defaultItems(op));
      $("#req-list").dataset.auto = "1";
      $("#req-list-hint").textContent = "항목 필드 · item fields: " +
        op.items.map((f) => `${f.name}${f.required ? "*" : ""} ${f.kind}(${f.size})`).join(", ");
    }
    if (opts.values) fillValues(opts.values, opts.items);
    if (opts.url !== false) {
      const url = new URL(location.href);
      url.searchParams.set("api", op.path);
      url.searchParams.delete("authorize");
      history_replace(url);
    }
    if (opts.focus) $("#form-panel").focus();
  }

  function history_replace(url) {
    window.history.replaceState(null, "", url.pathname + url.search);
  }

  function fillValues(values, items) {
    for (const f of current.fields) {
      const input = document.getElementById(`f-${f.name}`);
      if (!input) continue;
      input.value = values[f.name] ?? "";
      input.dataset.auto = "0";
    }
    if (current.list && items !== undefined) {
      $("#req-list").value = pretty(items);
      $("#req-list").dataset.auto = "0";
    }
  }

  function formValues() {
    const values = {};
    for (const f of current.fields) {
      const v = document.getElementById(`f-${f.name}`).value.trim();
      if (v !== "") values[f.name] = v;
    }
    return values;
  }

  // tran_dtime follows the simulated clock unless the user typed one
  function refreshTimes() {
    for (const f of current.fields) {
      const input = document.getElementById(`f-${f.name}`);
      if (f.name === "tran_dtime" && input.dataset.auto === "1") input.value = cfg.now.tran_dtime;
    }
  }

  // after a send: new bank_tran_ids for the next one (the same one twice is A0326)
  function renewIds(sent) {
    const code = institutionOf(tokenKind(current)).client_use_code;
    const input = document.getElementById("f-bank_tran_id");
    if (input && sent.values.bank_tran_id && input.value.trim() === sent.values.bank_tran_id) {
      input.value = newBankTranId(code);
    }
    if (current.list && Array.isArray(sent.items)) {
      try {
        const items = JSON.parse($("#req-list").value);
        let changed = false;
        for (const item of items) {
          if (item && sent.items.some((s) => s && s.bank_tran_id && s.bank_tran_id === item.bank_tran_id)) {
            item.bank_tran_id = newBankTranId(code);
            changed = true;
          }
        }
        if (changed) $("#req-list").value = pretty(items);
      } catch (_) { /* the user is editing: leave it */ }
    }
  }

  // --- sending --------------------------------------------------------------------------

  function buildRequest(op, values, items, tokenChoice) {
    const origin = location.origin;
    const headers = {};
    const input = tokenInputs()[tokenChoice];
    const token = input ? input.value.trim() : "";
    if (token) headers.Authorization = `Bearer ${token}`;
    let url = origin + op.path;
    let body = null;
    let shown = values;
    if (op.body === "query") {
      const q = new URLSearchParams(values).toString();
      if (q) url += `?${q}`;
    } else if (op.body === "form") {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(values).toString();
    } else {
      headers["Content-Type"] = "application/json; charset=UTF-8";
      const data = { ...values };
      if (op.list) data[op.list] = items;
      shown = data;
      body = JSON.stringify(data);
    }
    return { method: op.method, url, headers, body, shown };
  }

  const shellQuote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

  function curlOf(req) {
    const lines = [`curl -sS -X ${req.method} ${shellQuote(req.url)}`];
    for (const [k, v] of Object.entries(req.headers)) lines.push(`  -H ${shellQuote(`${k}: ${v}`)}`);
    if (req.body !== null) lines.push(`  --data-raw ${shellQuote(req.body)}`);
    return lines.join(" \\\n");
  }

  function abbreviate(token) {
    return token.length > 24 ? `${token.slice(0, 12)}…${token.slice(-6)}` : token;
  }

  function requestText(req) {
    const head = [`${req.method} ${req.url}`];
    for (const [k, v] of Object.entries(req.headers)) {
      head.push(`${k}: ${k === "Authorization" ? `Bearer ${abbreviate(v.slice(7))}` : v}`);
    }
    return `${head.join("\n")}\n\n${pretty(req.shown)}`;
  }

  // what each kind of token is and how to get one: said, and the button offered, whenever
  // a call lacks the token its API needs (it is then not sent) or the gateway refuses it
  const NEEDS = {
    user: { ko: "이 API는 사용자 토큰(scope login·inquiry·transfer)이 필요합니다. 먼저 사용자인증을 하세요.",
      en: "This API needs a user token (scope login, inquiry, transfer): authorize a user first.",
      button: "사용자인증 하기", buttonEn: "Authorize a user", act: () => startAuthorize(AUTHORIZE) },
    oob: { ko: "이 API는 이용기관 토큰(scope oob)이 필요합니다. 먼저 토큰을 발급받으세요.",
      en: "This API needs the institution's token (scope oob): issue one first.",
      button: "oob 토큰 발급받기", buttonEn: "Issue the oob token", act: () => issueOob() },
    sa: { ko: "이 API는 셀프인증 이용기관의 토큰(scope sa)이 필요합니다. 먼저 토큰을 발급받으세요.",
      en: "This API needs the self-auth institution's token (scope sa): issue one first.",
      button: "sa 토큰 발급받기", buttonEn: "Issue the sa token", act: () => issueSa() },
  };
  const TOKEN_CODES = ["O0001", "O0002", "O0003", "O0011"];

  function needsBlock(kind) {
    const need = NEEDS[kind];
    const button = el("button", { type: "button", id: "need-auth", "data-kind": kind },
      need.button, " ", el("span", { class: "en", text: need.buttonEn }));
    button.addEventListener("click", need.act);
    return el("div", { class: "needs", id: "needs" },
      el("p", {}, el("strong", { text: need.ko }), " ", el("span", { class: "en", text: need.en })), button);
  }

  // a request without the token its API needs never leaves the console
  function showNeeds(op, kind) {
    const box = $("#rsp-summary");
    box.className = "summary bad";
    box.replaceChildren(
      el("p", {}, el("span", { class: "rsp-code", id: "rsp-code", text: "보내지 않음" }), " ",
        el("span", { class: "en", text: "not sent" }), " · ", el("code", { text: `${op.method} ${op.path}` })),
      needsBlock(kind));
    for (const id of ["#request-view", "#curl", "#response-view"]) $(id).textContent = "—";
    $("#need-auth").focus();
  }

  function explain(code, op) {
    if (!code) return { ko: "", en: "" };
    const ko = cfg.codes[code];
    let en = "refused by the centre or the bank";
    if (code === "A0000") en = "success";
    else if (code === "O0001") en = "no token was sent, or a parameter of the token request is missing";
    else if (code === "O0002") en = "the token is unknown or was revoked: get a new one";
    else if (code === "O0003") en = "the token has expired: get a new one";
    else if (code === "O0011") en = `the token's scope is not one this API takes (${op ? op.scopes.join(", ") : ""})`;
    else if (code.startsWith("O")) en = "refused by the gateway: token, scope, method, IP or API";
    else if (/^A01/.test(code)) en = "a transfer limit";
    else if (/^A03/.test(code)) en = "registration, consent or request data";
    else if (["A0001", "A0007", "A0017"].includes(code)) en = "outcome unknown: ask transfer/result";
    return { ko: ko === undefined ? "알 수 없는 코드 (목록에 없음)" : ko, en: ko === undefined ? "not in the code table" : en };
  }

  function showSummary(ex) {
    const box = $("#rsp-summary");
    const data = ex.response;
    const parts = [];
    const head = el("p", {}, `HTTP ${ex.status} · ${ex.ms} ms · `, el("code", { text: `${ex.method} ${ex.path}` }));
    parts.push(head);
    let ok = ex.status === 200;
    if (data && typeof data === "object") {
      const code = data.rsp_code || "";
      if (code) {
        const op = ops.get(ex.path);
        const { ko, en } = explain(code, op);
        ok = code === "A0000";
        parts.push(el("p", {}, "rsp_code ", el("span", { class: "rsp-code", id: "rsp-code", text: code }), " ",
          el("span", { id: "rsp-explain", text: ko }), " ", el("span", { class: "en", text: `(${en})` })));
        if (data.rsp_message && data.rsp_message !== ko) {
          parts.push(el("p", {}, "rsp_message: ", el("span", { text: data.rsp_message })));
        }
      } else if (data.access_token) {
        parts.push(el("p", {}, el("span", { class: "rsp-code", id: "rsp-code", text: "token" }), " ",
          `토큰 발급됨 · token issued (scope ${data.scope || ""})`));
      } else if (data.error) {
        ok = false;
        parts.push(el("p", {}, el("span", { class: "rsp-code", text: "error" }), " ", String(data.error)));
      }
      if (data.bank_rsp_code) {
        parts.push(el("p", { id: "bank-rsp" }, "bank_rsp_code ", el("code", { text: data.bank_rsp_code }),
          " ", data.bank_rsp_message || "", " ", el("span", { class: "en", text: "(참가은행 응답 · the bank's own answer)" })));
      }
      if (Array.isArray(data.res_list)) {
        data.res_list.forEach((item, i) => {
          if (item && item.bank_rsp_code) {
            parts.push(el("p", {}, `res_list[${i}] bank_rsp_code `, el("code", { text: item.bank_rsp_code }),
              " ", item.bank_rsp_message || ""));
          }
        });
      }
    } else {
      ok = false;
      parts.push(el("p", { text: "JSON이 아닌 응답 · not JSON" }));
    }
    if (ex.warning) parts.push(el("p", { class: "warn" }, "X-Testbed-Warning: ", ex.warning));
    const refused = data && typeof data === "object" && TOKEN_CODES.includes(data.rsp_code);
    const op = ops.get(ex.path);
    if (refused && op && tokenKind(op) !== "none") {  // which token, and the button to get it
      parts.push(needsBlock(data.rsp_code === "O0011" || !NEEDS[ex.token] ? tokenKind(op) : ex.token));
    }
    box.className = `summary ${ok ? "ok" : "bad"}`;
    box.replaceChildren(...parts);
  }

  function showExchange(ex) {
    lastExchange = ex;
    $("#request-view").textContent = requestText(ex.request);
    $("#curl").textContent = curlOf(ex.request);
    $("#response-view").textContent =
      ex.response === undefined ? ex.text || "" : pretty(ex.response);
    showSummary(ex);
  }

  // no answer on show while a call is under way: the last one's would mislead
  function showSending(op) {
    $("#response-view").textContent = "보내는 중… · Sending…";
    const box = $("#rsp-summary");
    box.className = "summary";
    box.replaceChildren(el("p", { class: "meta", text: `${op.method} ${op.path} 보내는 중… · sending…` }));
  }

  async function perform(op, values, items, tokenChoice) {
    const req = buildRequest(op, values, items, tokenChoice);
    showSending(op);
    $("#request-view").textContent = requestText(req);
    $("#curl").textContent = curlOf(req);
    const started = performance.now();
    const ex = { method: op.method, path: op.path, name_ko: op.name_ko, values, items, token: tokenChoice, request: req };
    try {
      const resp = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
      ex.status = resp.status;
      ex.warning = resp.headers.get("X-Testbed-Warning") || "";
      ex.text = await resp.text();
      try { ex.response = JSON.parse(ex.text); } catch (_) { ex.response = undefined; }
    } catch (e) {
      ex.status = 0;
      ex.text = `network error: ${e}`;
    }
    ex.ms = Math.round(performance.now() - started);
    showExchange(ex);
    remember(ex);
    takeToken(op, values, ex.response);
    return ex;
  }

  // a token answer fills the matching token field
  function takeToken(op, values, data) {
    if (op.path !== TOKEN || !data || !data.access_token) return;
    if (data.user_seq_no) {
      setUser(data.access_token, data.user_seq_no, data.refresh_token || "");
    } else {
      const kind = data.scope === "sa" ? "sa" : "oob";
      tokenInputs()[kind].value = data.access_token;
      sessionStorage.setItem(S[kind], data.access_token);
    }
  }

  // a revoked token is of no more use: the field is emptied, so the next call asks for one
  function forgetToken(token) {
    for (const [kind, input] of Object.entries(tokenInputs())) {
      if (token && input.value.trim() === token) {
        input.value = "";
        sessionStorage.removeItem(S[kind]);
      }
    }
  }

  // the config again: the clock, and the user's registrations a call may have changed
  async function refreshConfig() {
    try {
      cfg = { ...cfg, ...(await fetchConfig()) };
    } catch (_) {
      return;  // keep what we have
    }
    showClock();
    showUser();
  }

  function setUser(token, seq, refresh) {
    const t = tokenInputs();
    t.user.value = token;
    $("#user-seq-no").value = seq;
    sessionStorage.setItem(S.user, token);
    sessionStorage.setItem(S.userSeq, seq);
    sessionStorage.setItem(S.userRefresh, refresh);
  }

  async function send(event) {
    event.preventDefault();
    const op = current;
    const choice = $("#token-choice").value;
    const needed = tokenKind(op);
    if (needed !== "none" && (choice === "none" || !tokenInputs()[choice].value.trim())) {
      showNeeds(op, choice === "none" ? needed : choice);
      return;
    }
    const button = $("#send");
    button.disabled = true;
    showSending(op);
    try {
      await refreshConfig();
      refreshTimes();
      let items;
      if (op.list) {
        try {
          items = JSON.parse($("#req-list").value);
          if (!Array.isArray(items)) throw new Error("not an array");
          $("#req-list-error").textContent = "";
        } catch (e) {
          $("#req-list-error").textContent = `req_list: JSON 배열이어야 합니다 · must be a JSON array (${e.message})`;
          $("#req-list").focus();
          $("#rsp-summary").className = "summary bad";
          $("#rsp-summary").replaceChildren(el("p", { text: "보내지 않았습니다: req_list를 고치세요 · Not sent: fix req_list" }));
          $("#response-view").textContent = "—";
          return;
        }
        const cnt = document.getElementById("f-req_cnt");
        if (cnt && cnt.dataset.auto === "1") cnt.value = String(items.length);
      }
      const values = formValues();
      const ex = await perform(op, values, items, choice);
      showAnswer();
      renewIds({ values, items });
      if (op.path === REVOKE && ex.response && ex.response.rsp_code === "A0000") forgetToken(values.access_token);
      await refreshConfig();
    } finally {
      button.disabled = false;
    }
  }

  // On a phone the answer is under the form, a screen or more below the Send button: bring
  // its summary into view (beside the form, on a desk, it is in view already)
  function showAnswer() {
    const summary = $("#rsp-summary");
    const box = summary.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      summary.scrollIntoView({ block: "start", behavior: "instant" });
    }
  }

  // --- history --------------------------------------------------------------------------

  function history() {
    const h = readJSON(localStorage, HISTORY_KEY, []);
    return Array.isArray(h) ? h : [];
  }

  function remember(ex) {
    const data = ex.response && typeof ex.response === "object" ? ex.response : null;
    const item = Array.isArray(ex.items) && ex.items[0] ? ex.items[0] : {};
    const entry = {
      id: randomHex(8),
      at: new Date().toISOString(),
      method: ex.method,
      path: ex.path,
      name_ko: ex.name_ko,
      token: ex.token,
      client_use_code: cfg.client_use_code,
      values: ex.values,
      items: ex.items,
      status: ex.status,
      ms: ex.ms,
      warning: ex.warning || "",
      response: ex.response,
      text: ex.response === undefined ? (ex.text || "").slice(0, 4000) : undefined,
      rsp_code: data ? data.rsp_code || (data.access_token ? "token" : "") : "",
      // what transfer/result needs later
      bank_tran_id: ex.values.bank_tran_id || item.bank_tran_id || "",
      tran_amt: ex.values.tran_amt || item.tran_amt || "",
      tran_date: (data && (data.bank_tran_date || (data.res_list && data.res_list[0] && data.res_list[0].bank_tran_date))) ||
        (ex.values.tran_dtime || cfg.now.tran_dtime).slice(0, 8),
    };
    const list = [entry, ...history()].slice(0, HISTORY_MAX);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(list));
    } catch (_) {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, 10)));
    }
    renderHistory();
  }

  function renderHistory() {
    const list = history();
    const ol = $("#history");
    ol.replaceChildren(...list.map((h) => {
      const ok = h.rsp_code === "A0000" || h.rsp_code === "token";
      const at = new Date(h.at);
      const when = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
      const button = el("button", { type: "button", "data-id": h.id },
        el("span", { class: "when", text: when }),
        el("span", { class: "name", text: h.name_ko }),
        el("span", { class: ok ? "code-ok" : "code-bad", text: h.rsp_code || `HTTP ${h.status}` }),
        el("span", { class: "path", text: `${h.method} ${h.path}` }));
      button.addEventListener("click", () => reload(h));
      return el("li", {}, button);
    }));
    $("#history-empty").hidden = list.length > 0;
  }

  function reload(h) {
    selectOp(h.path, { values: h.values, items: h.items });
    $("#token-choice").value = h.token;
    const req = buildRequest(current, h.values, h.items, h.token);
    showExchange({ ...h, request: req });
    $("#form-panel").focus();
  }

  // --- tokens and the 3-legged flow -------------------------------------------------------

  // a 2-legged token: the demo institution's (oob, with the credentials above) or the
  // self-auth institution's (sa); the answer fills the token's field
  async function issueToken(scope) {
    const op = ops.get(TOKEN);
    await adoptTyped();
    // sa: the self-auth institution's (the console's own when it is self-auth itself)
    const sa = scope === "sa" && cfg.self_auth && cfg.self_auth.client_id !== cfg.client_id;
    const values = {
      client_id: sa ? cfg.self_auth.client_id : $("#client-id").value.trim(),
      client_secret: sa ? cfg.self_auth.client_secret : $("#client-secret").value.trim(),
      grant_type: "client_credentials",
      scope,
    };
    const box = $("#auth-status");
    status(box, "토큰 발급 중… · Issuing a token…");
    const ex = await perform(op, values, undefined, "none");
    if (ex.response && ex.response.access_token) {
      status(box, `${scope} 토큰 발급됨 (만료 ${ex.response.expires_in}초) · ${scope} token issued`, "ok");
    } else {
      status(box, `토큰 발급 실패 · no token: ${(ex.response && ex.response.rsp_code) || ex.status}`, "bad");
    }
  }
  const issueOob = () => issueToken("oob");
  const issueSa = () => issueToken("sa");

  // The console's own authorize pages (the page names them: console.py AUTHORIZE_PATHS),
  // and nothing else: `?authorize=` comes from a link anyone can make, so a value that is
  // not exactly one of these paths (javascript:, another site, //host, ...) is refused.
  function ownAuthorizePath(path) {
    const own = (document.body.dataset.authorizePaths || AUTHORIZE).split(" ");
    return own.includes(path) ? path : null;
  }

  async function startAuthorize(requested) {
    const box = $("#auth-status");
    const path = ownAuthorizePath(requested);
    if (!path) {
      status(box, "authorize 값은 이 콘솔의 사용자인증 경로여야 합니다 · authorize must be one of the console's own paths: " +
        (document.body.dataset.authorizePaths || AUTHORIZE), "bad");
      return;
    }
    try {
      await adoptTyped();
      cfg = { ...cfg, ...(await fetchConfig()) };  // whether the callback is usable now
    } catch (e) {
      status(box, `설정을 읽지 못했습니다 · cannot read /console/config: ${e}`, "bad");
      return;
    }
    if (!cfg.callback_registered && cfg.my_page) {  // a developer's app: its My Page registers it
      box.className = "status bad";
      box.replaceChildren(`${cfg.callback}: 이 앱의 Redirect URI로 등록되지 않았습니다. `,
        el("a", { href: cfg.my_page, id: "register-callback", text: "마이페이지에서 콘솔 콜백 등록하기" }),
        el("span", { class: "en", text: " · Not a redirect URI of this app: register the console's callback on its My Page (one click), then authorize again." }));
      return;
    }
    if (!cfg.callback_registered) {
      status(box, `${cfg.callback}: 이 주소는 콜백으로 등록되지 않았습니다. 서버의 주소(127.0.0.1, localhost 또는 서버 IP)로 콘솔을 여세요.` +
        " · Not a registered callback: open the console at the server's own address, or add it with POST /testbed/clients/{code}.", "bad");
      return;
    }
    const state = randomHex(16);
    sessionStorage.setItem(S.oauth, JSON.stringify({
      state, redirect_uri: cfg.callback, api: current ? current.path : "",
      client_id: $("#client-id").value.trim(), client_secret: $("#client-secret").value.trim(),
    }));
    const q = new URLSearchParams({
      response_type: "code",
      client_id: $("#client-id").value.trim(),
      redirect_uri: cfg.callback,
      // the user scopes this institution may ask for (all three for the demo one)
      scope: USER_SCOPES.filter((s) => (cfg.scopes || USER_SCOPES).includes(s)).join(" ") || USER_SCOPES.join(" "),
      state,
      auth_type: "0",
    });
    location.assign(`${path}?${q}`);
  }

  // the signed-in user (the config names them from the user token): their number, the
  // fintech_use_num the forms use (unless typed), and what the console knows of them
  function showUser() {
    const u = cfg.user;
    const fintech = $("#user-fintech");
    const box = $("#auth-status");
    if (cfg.signed_in && u) {
      if (!$("#user-seq-no").value.trim()) $("#user-seq-no").value = u.user_seq_no;
      if (fintech.dataset.typed !== "1") fintech.value = u.demo ? u.demo.fintech_use_num : "";
      status(box, `사용자 ${u.user_name} (${u.user_seq_no}) 인증됨 · 등록계좌 ${u.registered_accounts}개 ` +
        `· user authorized, ${u.registered_accounts} account(s) registered`, "ok");
    } else if (cfg.user_token === "refused") {
      status(box, "사용자 토큰이 유효하지 않습니다 (만료, 폐기 또는 다른 이용기관의 토큰): 사용자인증을 다시 하세요 " +
        "· The user token is not live (expired, revoked or another institution's): authorize again", "bad");
    }
  }

  // --- the institution the console is used as -----------------------------------------

  // which institution the forms are for, its facts, and a way back to the demo one
  function showInstitution() {
    const own = cfg.institution === "own";
    $("#client-kind").textContent = own && cfg.my_page ? "내 이용기관 · your institution" : "데모 이용기관 · demo institution";
    $("#client-name").textContent = `${cfg.client_name} · ${cfg.client_use_code}`;
    const limits = cfg.limits || {};
    const won = (n) => (n ? `${Number(n).toLocaleString("ko-KR")}원` : "없음 · none");
    const wd = (cfg.contract_accounts || {}).withdraw || {};
    const facts = [
      `bank_tran_id ${cfg.client_use_code}U…`,
      `scope ${(cfg.scopes || []).join(" ")}`,
      cfg.is_self_auth ? "자체인증 · self-auth" : "",
      wd.account_num ? `출금 약정계좌 ${wd.bank_code} ${wd.account_num}` : "",
      `1회 출금한도 · per withdrawal ${won(limits.user_withdraw_per_tx)}`,
    ].filter(Boolean);
    $("#client-facts").textContent = facts.join(" · ");
    $("#use-demo").hidden = !sessionStorage.getItem(S.clientId);
    // go-live readiness: the open run of the developer's own app (the console's calls are
    // in it), its page, or the portal where each app has one
    const ready = cfg.readiness || { page: "/portal/", run: "" };
    const link = $("#readiness-link");
    link.href = ready.page;
    if (ready.run) {
      link.textContent = `기능테스트 준비도: 진행 중인 점검 ${ready.run} · Go-live readiness: the open run ${ready.run}`;
    } else if (own && ready.page !== "/portal/") {
      link.textContent = "기능테스트 준비도 점검 · Go-live readiness of this app";
    } else {
      link.textContent = "기능테스트 준비도 점검 · Go-live readiness: grade your own app's calls (My Page)";
    }
  }

  // The credentials typed are used when they are not the ones the console is used with
  // already: the config is asked again with them (checked by the server as the token
  // endpoint checks them), and kept for this tab. True when the institution changed.
  let adopting = Promise.resolve(false);
  function adoptTyped() {  // one at a time: a blur's and a button's must not interleave
    adopting = adopting.then(adoptNow, adoptNow);
    return adopting;
  }

  async function adoptNow() {
    const id = $("#client-id").value.trim();
    const secret = $("#client-secret").value.trim();
    const kept = sessionStorage.getItem(S.clientId) || "";
    const keptSecret = sessionStorage.getItem(S.clientSecret) || "";
    const demo = cfg.institution !== "own" && id === cfg.client_id && (!cfg.client_secret || secret === cfg.client_secret);
    if ((id === kept && secret === keptSecret) || (demo && !kept)) return false;
    if (demo || !id) {
      sessionStorage.removeItem(S.clientId);
      sessionStorage.removeItem(S.clientSecret);
    } else {
      sessionStorage.setItem(S.clientId, id);
      sessionStorage.setItem(S.clientSecret, secret);
    }
    const before = cfg.client_use_code;
    try {
      cfg = { ...cfg, ...(await fetchConfig()) };
    } catch (_) {
      return false;
    }
    const box = $("#auth-status");
    if (cfg.institution === "refused") {
      sessionStorage.removeItem(S.clientId);
      sessionStorage.removeItem(S.clientSecret);
      status(box, "client_id와 client_secret이 맞지 않습니다: 양식은 데모 이용기관의 값으로 채웁니다 " +
        "· The client_id and client_secret do not match: the forms stay the demo institution's", "bad");
    } else if (cfg.institution === "own") {
      status(box, `${cfg.client_name} (${cfg.client_use_code})의 값으로 양식을 채웁니다 · The forms are now this institution's: its bank_tran_id, 약정계좌 and users`, "ok");
    }
    const changed = before !== cfg.client_use_code;
    if (changed) {  // the other institution's tokens are of no use as this one
      for (const [kind, input] of Object.entries(tokenInputs())) {
        input.value = "";
        sessionStorage.removeItem(S[kind]);
      }
      $("#user-seq-no").value = "";
      $("#user-fintech").value = "";
      $("#user-fintech").dataset.typed = "0";
      for (const key of [S.userSeq, S.userFintech, S.userRefresh]) sessionStorage.removeItem(key);
      cfg = { ...cfg, ...(await fetchConfig()) };  // without the old user token
    }
    showInstitution();
    showUser();
    if (changed && current) selectOp(current.path, { url: false });  // its bank_tran_id, 약정계좌, user
    return changed;
  }

  async function useDemo() {
    $("#client-id").value = "";
    $("#client-secret").value = "";
    sessionStorage.removeItem(S.clientId);
    sessionStorage.removeItem(S.clientSecret);
    const before = cfg.client_use_code;
    cfg = { ...cfg, ...(await fetchConfig()) };
    $("#client-id").value = cfg.client_id;
    $("#client-secret").value = cfg.client_secret;
    if (before !== cfg.client_use_code) {
      for (const [kind, input] of Object.entries(tokenInputs())) {
        input.value = "";
        sessionStorage.removeItem(S[kind]);
      }
    }
    showInstitution();
    selectOp(current.path);
  }

  // --- start ----------------------------------------------------------------------------

  function showClock() {
    const node = $("#sim-now");
    node.textContent = cfg.now.iso.replace("T", " ").replace(/\.\d+/, "");
    node.setAttribute("datetime", cfg.now.iso);
  }

  async function copyCurl() {
    const text = $("#curl").textContent;
    const done = (ok) => status($("#copy-status"), ok ? "복사했습니다 · Copied" : "복사하지 못했습니다: 직접 선택하세요 · select it by hand", ok ? "ok" : "bad");
    try {
      await navigator.clipboard.writeText(text);
      done(true);
    } catch (_) {
      const range = document.createRange();
      range.selectNodeContents($("#curl"));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (__) { ok = false; }
      done(ok);
    }
  }

  async function consolePage() {
    try {
      cfg = await fetchConfig();
    } catch (e) {
      status($("#auth-status"), `설정을 읽지 못했습니다 · cannot read /console/config: ${e}`, "bad");
      return;
    }
    ops = new Map(cfg.operations.map((op) => [op.path, op]));
    showClock();
    $("#client-id").value = sessionStorage.getItem(S.clientId) || cfg.client_id;
    $("#client-secret").value = sessionStorage.getItem(S.clientSecret) || cfg.client_secret;
    showInstitution();
    for (const id of ["#client-id", "#client-secret"]) {
      $(id).addEventListener("change", () => adoptTyped());
    }
    const t = tokenInputs();
    t.oob.value = sessionStorage.getItem(S.oob) || "";
    t.user.value = sessionStorage.getItem(S.user) || "";
    $("#user-seq-no").value = sessionStorage.getItem(S.userSeq) || "";
    t.sa.value = sessionStorage.getItem(S.sa) || "";
    const fintech = $("#user-fintech");
    fintech.value = sessionStorage.getItem(S.userFintech) || "";  // typed by the user
    fintech.dataset.typed = fintech.value ? "1" : "0";
    fintech.addEventListener("input", () => { fintech.dataset.typed = fintech.value.trim() ? "1" : "0"; });
    const keep = [[t.oob, S.oob], [t.user, S.user], [t.sa, S.sa], [$("#user-seq-no"), S.userSeq], [fintech, S.userFintech]];
    for (const [input, key] of keep) input.addEventListener("change", () => sessionStorage.setItem(key, input.value.trim()));
    $("#sa-name").textContent = cfg.self_auth ? `${cfg.self_auth.client_name} · ${cfg.self_auth.client_use_code}` : "—";
    showUser();

    const params = new URLSearchParams(location.search);
    selectOp(params.get("api") || localStorage.getItem("console.api") || TOKEN);
    renderHistory();

    // back from the consent pages: show the token call the callback made
    const pending = readJSON(sessionStorage, S.pending, null);
    if (pending) {
      sessionStorage.removeItem(S.pending);
      const op = ops.get(TOKEN);
      const ex = { method: op.method, path: op.path, name_ko: op.name_ko, values: pending.values, items: undefined,
        token: "none", status: pending.status, ms: pending.ms, warning: pending.warning, response: pending.response };
      ex.request = buildRequest(op, pending.values, undefined, "none");
      showExchange(ex);
      remember(ex);
      if (pending.response && pending.response.access_token) {
        status($("#auth-status"), `사용자인증 완료 · user ${pending.response.user_seq_no} authorized`, "ok");
      }
    }

    document.addEventListener("click", (e) => {
      const target = e.target instanceof Element ? e.target : null;
      const api = target && target.closest("button.api, a.flow[data-api]");
      const authorize = target && target.closest("a.flow[data-authorize]");
      if (api) {
        e.preventDefault();
        selectOp(api.dataset.path || api.dataset.api, { focus: api.tagName === "A" });
      } else if (authorize) {
        e.preventDefault();
        startAuthorize(authorize.dataset.authorize);
      }
    });
    $("#api-select").addEventListener("change", (e) => selectOp(e.target.value));
    $("#api-form").addEventListener("submit", send);
    $("#reset-form").addEventListener("click", () => selectOp(current.path));
    $("#issue-oob").addEventListener("click", issueOob);
    $("#issue-sa").addEventListener("click", issueSa);
    $("#use-demo").addEventListener("click", useDemo);
    $("#authorize").addEventListener("click", () => startAuthorize(AUTHORIZE));
    $("#copy-curl").addEventListener("click", copyCurl);
    $("#history-clear").addEventListener("click", () => {
      localStorage.removeItem(HISTORY_KEY);
      renderHistory();
    });
    $("#user-token").addEventListener("change", () => {  // another user's token: their accounts
      fintech.value = "";
      fintech.dataset.typed = "0";
      sessionStorage.removeItem(S.userFintech);
      $("#user-seq-no").value = "";
      refreshConfig();
    });
    if (params.get("authorize")) startAuthorize(params.get("authorize"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "callback") callbackPage();
    else consolePage();
  });
})();
