/* The operator's page of 이용신청: lists every application with what to judge it by (the
   company, its declarations, its grading inputs and points, each screening rule's result)
   and decides those under review. Plain ES2020, nothing from the internet; the admin token
   and the elements: operator_page.js. */
(() => {
  "use strict";
  const { $, el, call, start } = window.OperatorPage;
  const STATUS = { approved: "승인 · approved", rejected: "거절 · rejected", review: "심사 중 · under review" };

  // key -> name, from the page's hidden lists (제외대상, services)
  function names(id) {
    const out = {};
    for (const li of $(id).querySelectorAll("li")) out[li.dataset.key] = li.textContent;
    return out;
  }

  const won = (n) => `${Number(n).toLocaleString("ko-KR")}원`;
  const yes = (b) => (b ? "예 · yes" : "아니오 · no");

  // a list of label/value pairs, one line each on a phone
  function details(rows) {
    const dl = el("dl", null, { class: "who" });
    for (const [label, value, attrs] of rows) {
      dl.append(el("dt", label), el("dd", value === "" || value === undefined ? "—" : value, attrs || {}));
    }
    return dl;
  }

  function section(title, ...children) {
    const box = el("section", null, { class: "facts" });
    box.append(el("h3", title), ...children);
    return box;
  }

  function render(applications) {
    const root = $("applications");
    const exclusions = names("exclusion-names");
    const services = names("service-names");
    root.replaceChildren();
    if (!applications.length) root.append(el("p", "아직 신청이 없습니다 · No applications yet.", { class: "empty" }));
    for (const a of applications) {
      const box = el("article", null, { class: "panel", "data-id": a.id, "data-status": a.status });
      box.append(el("h2", `${a.id} · ${a.company_name}`));
      box.append(el("p", `${STATUS[a.status] || a.status}${a.grade ? ` · 등급 grade ${a.grade} (${a.points}점 · points)` : ""}` +
        `${a.client_use_code ? ` · ${a.client_use_code}` : ""}`, { class: `status-line ${a.status}` }));
      box.append(el("p", `${a.created} · developer ${a.developer}${a.reason ? ` · ${a.reason}` : ""}`, { class: "hint" }));

      const declared = Object.entries(a.declarations || {}).filter(([, v]) => v).map(([k]) => exclusions[k] || k);
      box.append(section("회사 · Company", details([
        ["사업자등록번호 · Business no.", a.business_number],
        ["기업 규모 · Size", a.size],
        ["업종 · Industry", a.industry || "해당 없음 · none"],
        ["전자금융업 등록 · Licences", (a.licences || []).join(", ") || "없음 · none"],
        ["주거래은행 · Main bank", a.main_bank],
        ["제공서비스 · Services", (a.services || []).map((s) => services[s] || s).join(", ")],
        ["이용목적 · Purposes", (a.purposes || []).join(", ")],
        ["제외대상 선언 · Declared exclusions", declared.length ? declared.join(", ") : "해당 없음 · none declared",
          { class: declared.length ? "flag" : "", "data-declared": String(declared.length) }],
      ])));

      const points = a.points_by_input || {};
      const pts = (key) => (key in points ? ` (${points[key]}점)` : "");
      box.append(section("차등 운영 평가 · Grading inputs", details([
        ["기업신용등급 · Credit rating", `${a.credit_rating}${pts("credit_rating")}`],
        ["납입자본금 · Paid-in capital", `${won(a.paid_in_capital)}${pts("paid_in_capital")}`],
        ["회사업력 · Years", `${a.years_in_business}년${pts("years_in_business")}`],
        ["영업이익 · Operating profit", `${won(a.operating_profit)}${pts("operating_profit")}`],
        ["AML시스템 · AML system", `${yes(a.aml_system)}${pts("aml_system")}`],
        ["ISMS 인증 · ISMS", `${yes(a.isms)}${pts("isms")}`],
        ["배상책임보험 · Liability insurance", `${yes(a.liability_insurance)}${pts("liability_insurance")}`],
        ["합계 · Total", a.grade ? `${a.points}점 → ${a.grade}` : "등급 없음 · not graded"],
      ])));

      const table = el("table", null, { class: "screening stack" });
      const head = el("tr");
      head.append(el("th", "규칙 · Rule"), el("th", "결과 · Result"), el("th", "사유 · Reason"));
      const thead = el("thead");
      thead.append(head);
      const body = el("tbody");
      for (const s of a.screening) {
        const row = el("tr", null, { "data-rule": s.rule, "data-passed": s.passed ? "yes" : "no" });
        row.append(el("td", s.rule, { "data-label": "규칙 Rule" }),
          el("td", s.passed ? "통과 · passed" : "미통과 · not passed", { "data-label": "결과 Result" }),
          el("td", s.reason, { "data-label": "사유 Reason" }));
        body.append(row);
      }
      table.append(thead, body);
      box.append(section("심사 규칙 · Screening, rule by rule", table));

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
            $("status").hidden = false;
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
    render(answer.body.applications);
  }

  start(load);
})();
