/* The developer's dashboard (/portal/dashboard): the network's state and the developer's
   own institutions' events, polled every two seconds from the portal's JSON API with the
   session cookie. No admin token, nothing from elsewhere, plain ES2020. */
(() => {
  "use strict";
  const root = document.getElementById("developer-dashboard");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const KEEP = 50; // events shown
  let since = 0;

  function item(text, cls) {
    const li = document.createElement("li");
    li.textContent = text;
    if (cls) li.className = cls;
    return li;
  }

  async function json(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.href = "/portal/";
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function describe(e) {
    const time = (e.time || "").slice(11, 19);
    switch (e.type) {
      case "api":
        return [`${time} ${e.method} ${e.path} → ${e.rsp_code || e.status} (${e.client_use_code})`, e.rsp_code === "A0000" ? "ok" : "bad"];
      case "transfer":
        return [`${time} 이체 transfer ${Number(e.amount).toLocaleString("ko-KR")}원 ${e.from_bank} → ${e.to_bank} (${e.ref})`, "ok"];
      case "application":
        return [`${time} 이용신청 application ${e.application}: ${e.status} ${e.client_use_code || ""}`, ""];
      case "institution_reset":
        return [`${time} 초기화 reset ${e.client_use_code}: ${e.registrations} registrations, ${e.tokens} tokens`, ""];
      case "bank_state":
        return [`${time} ${e.bank}: ${e.state}`, ""];
      case "fault_start":
      case "fault_end":
        return [`${time} ${e.type} ${e.kind} ${(e.banks || []).join(",")}`, "bad"];
      default:
        return [`${time} ${e.type}`, ""];
    }
  }

  async function network() {
    const data = await json(root.dataset.network);
    $("dash-now").textContent = data.now;
    $("dash-centre").textContent = data.centre.open ? "운영 open" : "마감 closed";
    const list = $("dash-banks");
    list.replaceChildren(
      ...data.banks.filter((b) => b.open_banking).map((b) => item(`${b.code} ${b.name}: ${b.state}`, b.state === "open" ? "ok" : "bad"))
    );
  }

  async function events() {
    const data = await json(`${root.dataset.events}?since=${since}`);
    since = data.last;
    const feed = $("dash-events");
    for (const e of data.events) {
      const [text, cls] = describe(e);
      feed.prepend(item(text, cls));
    }
    while (feed.children.length > KEEP) feed.lastChild.remove();
    $("dash-empty").hidden = feed.children.length > 0;
  }

  async function tick() {
    try {
      await Promise.all([network(), events()]);
      $("dash-error").hidden = true;
    } catch (err) {
      $("dash-error").textContent = `연결 오류 · cannot reach the testbed: ${err.message}`;
      $("dash-error").hidden = false;
    }
  }

  tick();
  setInterval(tick, 2000);
})();
