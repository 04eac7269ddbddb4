/* The operator's page of 이용신청: lists every application with its screening and decides
   those under review. Plain ES2020, nothing from the internet; the admin token and the
   elements: operator_page.js. */
(() => {
  "use strict";
  const { $, el, call, start } = window.OperatorPage;

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
    render(answer.body.applications);
  }

  start(load);
})();
