/* The operator's compliance pages: /operator/audit (개인정보 처리내역: search, chain, monthly
   review) and /operator/transfers (자금세탁방지: transfers with their requesting customer);
   <body data-page> says which. Plain ES2020, nothing from the internet; the admin token and
   the elements: operator_page.js. The operator's name goes with every call as
   X-Testbed-Operator (percent-encoded: a header is Latin-1), so the processing log says who
   read what. */
(() => {
  "use strict";
  const { $, el, store, stored, start } = window.OperatorPage;
  const NAME_KEY = "kftc-testbed.operator-name";
  const SIZE = 50;
  const PAGE = document.body.dataset.page;
  let page = 1;

  function cell(...lines) {
    const td = el("td");
    lines.forEach((line, i) => {
      if (line === "" || line === null || line === undefined) return;
      td.append(i === 0 ? document.createTextNode(String(line)) : el("small", line));
    });
    return td;
  }
  function showError(id, message) {
    $(id).hidden = !message;
    $(id).textContent = message || "";
  }
  /* A GET of the control plane, as the operator named in the form (the log's actor). */
  function call(path) {
    const name = $("operator-name").value.trim();
    return window.OperatorPage.call("GET", path, undefined,
      name ? { "X-Testbed-Operator": encodeURIComponent(name) } : {});
  }

  function filters(form) {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      const text = String(value).trim();
      if (text) params.set(name, text);
    }
    return params;
  }
  const won = (n) => `${Number(n).toLocaleString("ko-KR")}원`;

  // --- the processing log -------------------------------------------------------------
  async function chain() {
    const { body } = await call("/testbed/audit/verify");
    const box = $("chain");
    box.className = `notice ${body.ok ? "ok" : "bad"}`;
    box.textContent = body.ok
      ? `무결성 검증 통과 · chain verified: ${body.records}건 · head #${body.head.seq} ${body.head.hash.slice(0, 16)}…`
      : `무결성 훼손 · chain broken at #${body.broken_at}: ${body.problem}`;
  }

  function recordRow(r) {
    const row = el("tr", null, { "data-seq": r.seq, "data-action": r.action });
    const shown = r.subjects.join(", ");
    const more = r.subject_count > r.subjects.length ? ` … (${r.subject_count}건 · in all)` : "";
    const reason = r.detail && r.detail.reason;
    const detail = reason && reason !== r.purpose ? `사유 · reason: ${reason}` : "";
    row.append(
      cell(r.seq),
      cell(r.time, `wall ${r.wall}`),
      cell(r.actor, r.source),
      cell(r.action),
      cell(`${r.subject_count}`, shown + more),
      cell(r.fields.join(", ")),
      cell(r.purpose, detail),
      cell(r.path),
    );
    return row;
  }

  async function searchLog() {
    const params = filters($("filters"));
    params.set("page", String(page));
    params.set("size", String(SIZE));
    const answer = await call(`/testbed/audit?${params}`);
    showError("search-error", answer.status === 200 ? "" : answer.body.error);
    if (answer.status !== 200) return;
    const body = answer.body;
    $("records").tBodies[0].replaceChildren(...body.records.map(recordRow));
    paging(body.total, body.records.length, "건 · records");
  }

  function paging(total, count, unit) {
    const first = count ? (page - 1) * SIZE + 1 : 0;
    $("summary").textContent = `${first}–${first + count - (count ? 1 : 0)} / ${total}${unit}`;
    $("prev").disabled = page <= 1;
    $("next").disabled = page * SIZE >= total;
  }

  function flagList(title, count, items, row) {
    const box = el("div", null, { class: "flag", "data-flag": title[1] });
    box.append(el("h3", `${title[0]} · ${title[1]}: ${count}`));
    if (items.length) {
      const table = el("table");
      table.append(...items.map(row));
      const scroll = el("div", null, { class: "scroll" });
      scroll.append(table);
      box.append(scroll);
    }
    return box;
  }

  async function review(event) {
    if (event) event.preventDefault();
    const month = $("review-form").elements.month.value;
    const answer = await call(`/testbed/audit/review?month=${encodeURIComponent(month)}`);
    showError("review-error", answer.status === 200 ? "" : answer.body.error);
    if (answer.status !== 200) return;
    const r = answer.body;
    $("review-form").elements.month.value = r.month;
    const root = $("review");
    const counts = el("ul", null, { class: "counts" });
    counts.append(el("li", `${r.month}: ${r.records}건 · records`));
    for (const [action, n] of Object.entries(r.by_action)) counts.append(el("li", `${action} ${n}`));
    const actors = el("ul", null, { class: "counts" });
    for (const [actor, n] of Object.entries(r.by_actor)) actors.append(el("li", `${actor} ${n}`));
    const short = (x) => {
      const tr = el("tr");
      tr.append(cell(`#${x.seq}`), cell(x.time), cell(x.actor, x.source), cell(x.action),
        cell(`${x.subject_count}`), cell(x.purpose, x.detail && x.detail.reason ? `사유 · reason: ${x.detail.reason}` : ""));
      return tr;
    };
    const hour = (h) => {
      const tr = el("tr");
      tr.append(cell(h.hour), cell(h.actor), cell(`${h.subjects}명 · subjects`), cell(`${h.records}건 · records`));
      return tr;
    };
    const c = r.counts;
    root.replaceChildren(
      counts,
      actors,
      el("p", `규칙 · rules: 대량 ${r.rules.bulk_at_once}건 이상 한 번에, ${r.rules.bulk_per_hour}건 이상 한 시간에; 업무시간 ${r.rules.office_hours}`, { class: "hint" }),
      flagList(["대량 조회", "bulk_at_once"], c.bulk_at_once, r.flags.bulk_at_once, short),
      flagList(["시간당 대량 조회", "bulk_hours"], c.bulk_hours, r.flags.bulk_hours, hour),
      flagList(["업무시간 외 처리", "off_hours"], c.off_hours, r.flags.off_hours, short),
      flagList(["다운로드", "downloads"], c.downloads, r.flags.downloads, short),
      flagList(["인증 실패", "denied"], c.denied, r.flags.denied, short),
      el("p", r.chain.ok ? `무결성 · chain ok, head #${r.chain.head.seq} ${r.chain.head.hash}` : `무결성 훼손 · chain broken at #${r.chain.broken_at}`, { class: r.chain.ok ? "ok" : "bad" }),
    );
  }

  // --- AML ----------------------------------------------------------------------------
  function party(p) {
    return cell(p.name, `${p.bank_code} ${p.account_num}`.trim(), p.fintech_use_num ? `핀테크 ${p.fintech_use_num}` : "");
  }

  function transferRow(t) {
    const row = el("tr", null, { "data-tran": t.bank_tran_id, "data-api": t.api });
    const req = t.req_client;
    const account = req.account_num ? `${req.bank_code} ${req.account_num}` : (req.fintech_use_num ? `핀테크 ${req.fintech_use_num}` : "");
    row.append(
      cell(t.time, t.bank_tran_id),
      cell(t.client_name, t.client_use_code),
      cell(t.direction),
      cell(won(t.tran_amt)),
      party(t.payer),
      party(t.payee),
      cell(req.name, account, req.num ? `회원번호 ${req.num}` : "", t.transfer_purpose),
      cell(t.moved ? "완료 · moved" : "미처리 · not moved", t.rsp_code),
      cell(t.retention_class, `~${t.keep_until}`),
    );
    return row;
  }

  async function searchTransfers() {
    const params = filters($("filters"));
    params.set("page", String(page));
    params.set("size", String(SIZE));
    const answer = await call(`/testbed/transfers?${params}`);
    showError("search-error", answer.status === 200 ? "" : answer.body.error);
    if (answer.status !== 200) return;
    $("transfers").tBodies[0].replaceChildren(...answer.body.transfers.map(transferRow));
    paging(answer.body.total, answer.body.transfers.length, "건 · transfers");
  }

  // --- the page -----------------------------------------------------------------------
  const search = PAGE === "audit" ? searchLog : searchTransfers;

  async function open() {
    if (PAGE === "audit") {
      await chain();
      await Promise.all([search(), review()]);
    } else {
      await search();
    }
  }

  $("operator-name").value = stored(NAME_KEY) || "";
  $("operator-name").addEventListener("change", () => store(NAME_KEY, $("operator-name").value.trim()));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    page = 1;
    search().catch(() => {});
  });
  $("filters").addEventListener("reset", () => { page = 1; setTimeout(() => search().catch(() => {}), 0); });
  $("prev").addEventListener("click", () => { page = Math.max(1, page - 1); search().catch(() => {}); });
  $("next").addEventListener("click", () => { page += 1; search().catch(() => {}); });
  if (PAGE === "audit") {
    $("review-form").addEventListener("submit", (event) => { review(event).catch(() => {}); });
  }
  start(open);
})();
