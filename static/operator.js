/* The operator's page of 이용신청: lists every application with its screening and decides
   those under review. Plain ES2020, nothing from the internet. The admin token comes from
   the URL fragment (#token=..., removed from the address bar at once) or the form, is kept
   in sessionStorage and sent as a bearer token; nothing is rendered as HTML from data. */
(() => {
  "use strict";
  const TOKEN_KEY = "kftc-testbed.admin-token";
  const $ = (id) => document.getElementById(id);
  let token = null;

  function fragmentToken() {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search);
    try { return decodeURIComponent(match[1]); } catch { return match[1]; }
  }
  function keep(value) {
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    } catch { /* private mode: the token lives as long as the page */ }
  }
  function kept() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
  }
  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  function showLogin(message) {
    $("list").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !message;
    $("login-error").textContent = message || "";
  }
  async function call(method, path, body) {
    const init = { method, headers: { Authorization: `Bearer ${token}` } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    if (resp.status === 401) {
      token = null;
      keep(null);
      showLogin("토큰이 거부되었습니다 · the admin token was refused");
      throw new Error("refused");
    }
    return { status: resp.status, body: await resp.json() };
  }

  function render(applications) {
    const root = $("applications");
    root.replaceChildren();
    if (!applications.length) root.append(el("p", "아직 신청이 없습니다 · No applications yet.", { class: "empty" }));
    for (const a of applications) {
      const box = el("article", null, { class: "panel", "data-id": a.id, "data-status": a.status });
      box.append(el("h2", `${a.id} · ${a.company_name} — ${a.status}${a.grade ? " · grade " + a.grade : ""}`));
      box.append(el("p", `${a.created} · developer ${a.developer} · ${a.reason || ""}${a.client_use_code ? " · " + a.client_use_code : ""}`));
      const table = el("table", null, { class: "screening" });
      for (const s of a.screening) {
        const row = el("tr", null, { "data-rule": s.rule, "data-passed": s.passed ? "yes" : "no" });
        row.append(el("td", s.rule), el("td", s.passed ? "통과 · passed" : "미통과 · not passed"), el("td", s.reason));
        table.append(row);
      }
      box.append(table);
      if (a.status === "review") {
        const form = el("form", null, { class: "decision" });
        const reason = el("input", null, { name: "reason", placeholder: "사유 · reason (required to reject)", "aria-label": "reason" });
        const approve = el("button", "승인 · Approve", { type: "button", "data-decision": "approve" });
        const reject = el("button", "거절 · Reject", { type: "button", "data-decision": "reject", class: "secondary" });
        const error = el("p", "", { class: "error", role: "alert", hidden: "" });
        for (const button of [approve, reject]) {
          button.addEventListener("click", async () => {
            const answer = await call("POST", `/testbed/applications/${encodeURIComponent(a.id)}/decision`,
              { decision: button.dataset.decision, reason: reason.value });
            if (answer.status !== 200) {
              error.hidden = false;
              error.textContent = answer.body.error || `HTTP ${answer.status}`;
              return;
            }
            $("status").textContent = `${a.id}: ${answer.body.status}`;
            await load();
          });
        }
        form.append(reason, approve, reject, error);
        box.append(form);
      }
      root.append(box);
    }
  }

  async function load() {
    const answer = await call("GET", "/testbed/applications");
    $("login").hidden = true;
    $("list").hidden = false;
    render(answer.body.applications);
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value) return;
    $("token-input").value = "";
    token = value;
    keep(value);
    load().catch(() => {});
  });
  $("forget").addEventListener("click", () => { token = null; keep(null); showLogin(""); });
  window.addEventListener("hashchange", () => {
    const value = fragmentToken();
    if (value) { token = value; keep(value); load().catch(() => {}); }
  });
  token = fragmentToken() || kept();
  if (token) { keep(token); load().catch(() => {}); } else showLogin("");
})();
