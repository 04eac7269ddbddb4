/* The network dashboard (/dashboard): bank tiles, the simulated clock, fault controls,
   a live feed, settlement positions and a load chart, updated without reloading.

   Plain ES2020, no dependencies, nothing from the internet. The admin token comes from
   the URL fragment (#token=..., never sent to the server, removed from the address bar
   at once) or the form, and stays in this tab's sessionStorage. /testbed/* calls carry it
   as a bearer token; the event stream (EventSource cannot send headers) as ?token=. */
"use strict";

(() => {
  const TOKEN_KEY = "kftc-testbed.admin-token";
  const FEED_MAX = 100; // rows kept in the feed
  const CHART_SECONDS = 120; // the chart's window, wall seconds
  const SUMMARY_SECONDS = 10; // the numbers under the chart
  const CLOCK_READ_MS = 4000; // re-read the server's clock this often
  const FALLBACK_MS = 5000; // banks and faults, even when no event says so
  const RETRY_MS = 3000;
  const KST = 9 * 3600;
  const STREAM_TYPES = [
    "api", "transfer", "cash", "bank_state", "fault", "fault_start", "fault_end",
    "settlement", "account_status", "reset", "restore",
  ];
  // every state has a symbol and a word besides its colour
  const STATES = {
    open: { icon: "●", ko: "정상" },
    cutover: { icon: "◐", ko: "미개시" },
    maintenance: { icon: "▲", ko: "점검" },
    down: { icon: "✕", ko: "장애" },
    degraded: { icon: "◆", ko: "지연" },
  };
  const WEEKDAYS = "일월화수목금토";
  const number = new Intl.NumberFormat("ko-KR");

  const $ = (id) => document.getElementById(id);

  /** An element with attributes (class, data-*, aria-*, ...) and children (nodes or text). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const p2 = (n) => String(n).padStart(2, "0");

  /** KST calendar parts of an epoch (seconds). */
  function kst(epoch) {
    const d = new Date(Math.floor(epoch + KST) * 1000);
    return {
      y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(),
      h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), wd: d.getUTCDay(),
    };
  }

  function isoKst(epoch) {
    const p = kst(epoch);
    return `${p.y}-${p2(p.mo)}-${p2(p.d)}T${p2(p.h)}:${p2(p.mi)}:${p2(p.s)}+09:00`;
  }

  const hhmm = (iso) => (iso || "").slice(11, 16);
  const hhmmss = (iso) => (iso || "").slice(11, 19);
  const won = (amount) => `${number.format(amount)}원`;
  const signed = (amount) => `${amount > 0 ? "+" : amount < 0 ? "−" : ""}${won(Math.abs(amount))}`;

  function duration(seconds) {
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
  }

  // --- state ------------------------------------------------------------------------------

  const S = {
    token: null,
    running: false,
    generation: 0, // bumped by stop(): an older start() gives up after its awaits
    timers: [],
    retry: null,
    stream: null,
    lastSeq: 0,
    clock: null,
    clockReadAt: 0, // performance.now() of the clock reading
    shownSecond: null,
    date: "", // YYYYMMDD of the simulated day shown
    banks: new Map(), // code -> GET /testbed/banks item
    tiles: new Map(), // code -> <li>
    faults: [],
    faultsKey: "",
    bins: new Map(), // wall second -> {n, sum} of api events
  };

  // --- token --------------------------------------------------------------------------------

  function fragmentToken() {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search); // off the screen
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return match[1];
    }
  }

  function keep(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage refused (private mode): the token lives as long as the page */
    }
  }

  function kept() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }

  // --- the control plane --------------------------------------------------------------------

  class AuthError extends Error {}

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${S.token}` };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401) {
      refused();
      throw new AuthError("the admin token was refused");
    }
    if (!response.ok) throw new Error((data && data.error) || `HTTP ${response.status}`);
    return data;
  }

  /** fn at most once per `every` ms, `delay` ms after being asked, never two at once. */
  function scheduler(fn, delay, every) {
    let timer = null;
    let running = false;
    let again = false;
    let last = -Infinity;
    const run = async () => {
      timer = null;
      if (!S.running) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      last = performance.now();
      try {
        await fn();
      } catch (e) {
        if (!(e instanceof AuthError)) console.warn(e);
      }
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    };
    const schedule = () => {
      if (timer !== null) return;
      timer = setTimeout(run, Math.max(delay, last + every - performance.now()));
    };
    return schedule;
  }

  const banksSoon = scheduler(refreshBanks, 80, 0);
  const faultsSoon = scheduler(refreshFaults, 80, 0);
  const settlementSoon = scheduler(refreshSettlement, 0, 1000);

  function say(message, bad) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("bad", Boolean(bad));
  }

  function failed(what, e) {
    if (!(e instanceof AuthError)) say(`${what}: ${e.message}`, true);
  }

  function setLive(state) {
    const live = $("live");
    live.dataset.live = state;
    const words = {
      on: ["● 실시간", "live"],
      retry: ["◌ 재연결 중", "reconnecting"],
      off: ["○ 연결 안 됨", "offline"],
    }[state];
    live.replaceChildren(`${words[0]} `, h("span", { class: "en" }, words[1]));
  }

  // --- start and stop -------------------------------------------------------------------------

  async function start() {
    stop();
    const generation = S.generation;
    S.running = true;
    S.lastSeq = 0;
    try {
      await readClock();
    } catch (e) {
      if (e instanceof AuthError || generation !== S.generation) return;
      setLive("off");
      say(`서버에 연결할 수 없습니다 · cannot reach the server (${e.message}); retrying`, true);
      S.retry = setTimeout(start, RETRY_MS);
      return;
    }
    showDashboard();
    await Promise.allSettled([refreshBanks(), refreshFaults(), refreshSettlement()]);
    if (generation !== S.generation) return;
    try {
      await loadHistory();
    } catch (e) {
      failed("피드 feed", e);
    }
    if (generation !== S.generation) return;
    openStream();
    S.timers.push(
      setInterval(tick, 200),
      setInterval(drawChart, 1000),
      setInterval(() => readClock().catch((e) => failed("시계 clock", e)), CLOCK_READ_MS),
      setInterval(() => {
        banksSoon();
        faultsSoon();
        settlementSoon();
      }, FALLBACK_MS),
    );
    drawChart();
  }

  function stop() {
    S.generation += 1;
    S.running = false;
    for (const timer of S.timers) clearInterval(timer);
    S.timers = [];
    clearTimeout(S.retry);
    S.retry = null;
    closeStream();
  }

  function refused() {
    stop();
    keep(null);
    S.token = null;
    showLogin("토큰이 거부되었습니다 · the admin token was refused");
  }

  function showLogin(message) {
    $("dash").hidden = true;
    $("forget").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    setLive("off");
    $("token-input").focus();
  }

  function showDashboard() {
    $("login").hidden = true;
    $("dash").hidden = false;
    $("forget").hidden = false;
  }

  async function refreshAll() {
    await Promise.allSettled([readClock(), refreshBanks(), refreshFaults()]);
    settlementSoon();
  }

  // --- clock ----------------------------------------------------------------------------------

  async function readClock() {
    const asked = performance.now();
    const clock = await api("GET", "/testbed/clock");
    S.clock = clock;
    S.clockReadAt = (asked + performance.now()) / 2;
    renderClockMeta();
    tick(true);
    return clock;
  }

  /** The simulated time now: the last reading moved on by the wall time since, times speed. */
  function simNow() {
    const c = S.clock;
    if (!c) return null;
    const moving = c.mode === "realtime" && !c.frozen;
    return c.epoch + (moving ? ((performance.now() - S.clockReadAt) / 1000) * c.speed : 0);
  }

  function tick(force) {
    const now = simNow();
    if (now === null) return;
    const second = Math.floor(now);
    if (force !== true && second === S.shownSecond) return;
    S.shownSecond = second;
    const p = kst(now);
    const time = $("clock-time");
    time.textContent = `${p2(p.h)}:${p2(p.mi)}:${p2(p.s)}`;
    time.dateTime = isoKst(now);
    $("clock-date").textContent = `${p.y}-${p2(p.mo)}-${p2(p.d)} (${WEEKDAYS[p.wd]})`;
    const date = `${p.y}${p2(p.mo)}${p2(p.d)}`;
    if (date !== S.date) {
      S.date = date;
      settlementSoon();
    }
  }

  function renderClockMeta() {
    const c = S.clock;
    const realtime = c.mode === "realtime";
    const parts = [realtime ? "실시간 realtime" : "가상 virtual"];
    if (realtime) parts.push(`×${number.format(c.speed)}`);
    if (c.frozen) parts.push("정지됨 frozen");
    $("clock-mode").textContent = parts.join(" · ");
    $("dash").classList.toggle("frozen", Boolean(c.frozen));
    for (const button of document.querySelectorAll("button.speed")) {
      button.setAttribute("aria-pressed", String(realtime && Number(button.dataset.speed) === c.speed));
      button.disabled = !realtime;
    }
    const freeze = $("freeze");
    freeze.disabled = !realtime;
    freeze.replaceChildren(
      c.frozen ? "▶ 재개 " : "‖ 정지 ",
      h("span", { class: "en" }, c.frozen ? "resume" : "freeze"),
    );
  }

  /** Jump target: today's (simulated) HH:MM:SS, or tomorrow's once it has passed. */
  function jumpTarget(now) {
    const [hh, mm, ss] = (document.body.dataset.jump || "23:29:30").split(":").map(Number);
    const p = kst(now);
    let target = Date.UTC(p.y, p.mo - 1, p.d, hh, mm, ss) / 1000 - KST;
    if (target <= now) target += 86400;
    return isoKst(target);
  }

  async function clockAction(body, what) {
    try {
      const clock = await api("POST", "/testbed/clock", body);
      say(`${what} ✓ ${hhmmss(clock.now)}`);
    } catch (e) {
      failed(what, e);
    }
    await refreshAll();
  }

  // --- banks ----------------------------------------------------------------------------------

  async function refreshBanks() {
    const data = await api("GET", "/testbed/banks");
    for (const bank of data.banks) S.banks.set(bank.code, bank);
    renderCentre(data.centre);
    renderBanks(data.banks);
    fillBankSelect(data.banks);
  }

  function bankName(code) {
    const bank = S.banks.get(code);
    return bank ? bank.name : "";
  }

  const bankLabel = (code) => `${code} ${bankName(code)}`.trim();

  function renderCentre(centre) {
    const node = $("centre");
    node.className = centre.open ? "ok" : "bad";
    node.replaceChildren(
      `센터 ${centre.operating_hours} `,
      h("strong", {}, centre.open ? "운영 open" : "마감 closed"),
    );
  }

  function renderBanks(banks) {
    const participants = banks.filter((b) => b.open_banking);
    const others = banks.filter((b) => !b.open_banking);
    placeTiles($("tiles"), participants);
    placeTiles($("other-tiles"), others);
    $("tiles-count").textContent = `(${participants.length})`;
    $("others-count").textContent = `(${others.length})`;
  }

  function placeTiles(list, banks) {
    banks.forEach((bank, i) => {
      let tile = S.tiles.get(bank.code);
      if (!tile) {
        tile = makeTile(bank);
        S.tiles.set(bank.code, tile);
      }
      if (list.children[i] !== tile) list.insertBefore(tile, list.children[i] || null);
      updateTile(tile, bank);
    });
  }

  function makeTile(bank) {
    return h(
      "li",
      { class: "tile", "data-code": bank.code },
      h(
        "div",
        { class: "tile-top" },
        h("span", { class: "code" }, bank.code),
        h(
          "span",
          { class: "state" },
          h("span", { class: "icon", "aria-hidden": "true" }),
          " ",
          h("span", { class: "word" }),
          " ",
          h("span", { class: "ko" }),
        ),
      ),
      h("div", { class: "name" }, bank.name),
      h("div", { class: "name-en" }, bank.name_en),
      h("div", { class: "load" }),
      h("div", { class: "next" }),
    );
  }

  function updateTile(tile, bank) {
    const known = STATES[bank.state] || { icon: "?", ko: "" };
    const before = tile.dataset.state;
    tile.dataset.state = bank.state;
    tile.querySelector(".icon").textContent = known.icon;
    tile.querySelector(".word").textContent = bank.state;
    tile.querySelector(".ko").textContent = known.ko;
    if (before && before !== bank.state) {
      tile.classList.remove("changed");
      void tile.offsetWidth; // restart the highlight
      tile.classList.add("changed");
    }
    const load = tile.querySelector(".load");
    load.replaceChildren(
      "대기 ",
      h("strong", {}, bank.queue),
      " · 처리 ",
      h("strong", {}, `${bank.in_flight}/${bank.capacity}`),
    );
    load.title = `queue ${bank.queue} · in flight ${bank.in_flight} of ${bank.capacity}`;
    tile.classList.toggle("busy", bank.queue > 0);
    const next = tile.querySelector(".next");
    if (bank.next_change) {
      next.textContent = `→ ${bank.next_change.state} ${hhmm(bank.next_change.at)}`;
      next.title = bank.next_change.at;
    } else {
      next.textContent = "→ —";
      next.removeAttribute("title");
    }
  }

  function fillBankSelect(banks) {
    const select = $("fault-bank");
    if (select.options.length) return;
    const groups = [
      ["오픈뱅킹 참가은행 · Open Banking participants", banks.filter((b) => b.open_banking)],
      ["기타 기관 · other institutions", banks.filter((b) => !b.open_banking)],
    ];
    for (const [label, members] of groups) {
      if (!members.length) continue;
      select.append(
        h("optgroup", { label }, members.map((b) => h("option", { value: b.code }, `${b.code} ${b.name}`))),
      );
    }
  }

  // --- faults ---------------------------------------------------------------------------------

  async function refreshFaults() {
    const data = await api("GET", "/testbed/faults");
    S.faults = data.faults;
    renderFaults();
  }

  function renderFaults() {
    const key = JSON.stringify(S.faults);
    if (key === S.faultsKey) return; // unchanged: keep the focus where it is
    S.faultsKey = key;
    const list = $("faults");
    const focused = document.activeElement && document.activeElement.dataset.fault;
    list.replaceChildren();
    if (!S.faults.length) {
      list.append(h("li", { class: "empty" }, "진행 중 장애 없음 · no live faults"));
    }
    for (const f of S.faults) {
      const banks = f.banks.length ? f.banks.map(bankLabel).join(", ") : "모든 은행 all banks";
      const when = f.every
        ? `매일 every ${f.every} · ${duration(f.for)}`
        : f.end
          ? `~${hhmmss(f.end)}`
          : "해제 전까지 until ended";
      list.append(
        h(
          "li",
          { class: f.active ? "fault active" : "fault", "data-id": f.id },
          h(
            "span",
            { class: "what" },
            h("strong", {}, f.id),
            ` ${f.kind} · ${banks} · ${when} · `,
            f.active ? h("span", { class: "bad" }, "진행 active") : `예정 from ${hhmmss(f.start)}`,
          ),
          h(
            "button",
            {
              type: "button",
              class: "secondary end",
              "data-fault": f.id,
              "aria-label": `${f.id} ${f.kind} ${banks} 해제 end`,
            },
            "해제 ",
            h("span", { class: "en" }, "end"),
          ),
        ),
      );
    }
    $("clear-faults").disabled = !S.faults.length;
    if (focused) {
      const again = list.querySelector(`button[data-fault="${CSS.escape(focused)}"]`);
      (again || list.querySelector("button.end") || $("live-faults-heading")).focus();
    }
  }

  async function injectFault(event) {
    event.preventDefault();
    const option = $("fault-kind").selectedOptions[0];
    const bank = $("fault-bank").value;
    const spec = {
      kind: option.value,
      banks: [bank],
      for: $("fault-for").value,
      label: "dashboard",
      ...JSON.parse(option.dataset.fixed || "{}"),
    };
    if (option.dataset.param === "latency") spec.latency = `${Number($("fault-latency").value) || 2}s`;
    if (option.dataset.param === "capacity") spec.capacity = Math.max(1, parseInt($("fault-capacity").value, 10) || 1);
    try {
      const fault = await api("POST", "/testbed/faults", spec);
      say(`${fault.id} ${fault.kind} → ${bankLabel(bank)} 주입 injected`);
    } catch (e) {
      failed("장애 주입 inject", e);
    }
    await Promise.allSettled([refreshBanks(), refreshFaults()]);
  }

  async function endFault(id) {
    try {
      await api("DELETE", `/testbed/faults/${encodeURIComponent(id)}`);
      say(`${id} 해제 ended`);
    } catch (e) {
      failed(`${id} 해제 end`, e);
    }
    await Promise.allSettled([refreshBanks(), refreshFaults()]);
  }

  async function clearFaults() {
    try {
      const done = await api("DELETE", "/testbed/faults");
      say(`모두 해제 cleared (${done.removed.length})`);
    } catch (e) {
      failed("모두 해제 clear all", e);
    }
    await Promise.allSettled([refreshBanks(), refreshFaults()]);
  }

  function showParam() {
    const param = $("fault-kind").selectedOptions[0].dataset.param;
    for (const node of document.querySelectorAll("[data-param-for]")) {
      node.hidden = node.dataset.paramFor !== param;
    }
  }

  // --- settlement -----------------------------------------------------------------------------

  async function refreshSettlement() {
    if (!S.date) return;
    const day = await api("GET", `/testbed/settlement?date=${S.date}`);
    if (day.date === S.date) renderSettlement(day);
  }

  function renderSettlement(day) {
    const d = day.date;
    $("settlement-date").textContent =
      `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)} · 이체 ${number.format(day.transfers)}건`;
    const rows = Object.entries(day.positions)
      .filter(([, amount]) => amount !== 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const list = $("settlement");
    if (!rows.length) {
      // transfers that net to zero for every bank are not "no transfers"
      const text = day.transfers
        ? "모든 은행의 차액 0원 · every bank nets to zero"
        : "아직 이체 없음 · no transfers yet";
      list.replaceChildren(h("li", { class: "empty" }, text));
      return;
    }
    const most = Math.max(...rows.map(([, amount]) => Math.abs(amount)));
    list.replaceChildren(
      ...rows.map(([code, amount]) => {
        const bar = h("span", { class: "bar" });
        bar.style.width = `${(Math.abs(amount) / most) * 50}%`;
        return h(
          "li",
          { class: amount > 0 ? "receive" : "pay", "data-code": code },
          h("span", { class: "who" }, bankLabel(code)),
          h("span", { class: "track", "aria-hidden": "true" }, bar),
          h("span", { class: "amount" }, signed(amount)),
        );
      }),
    );
  }

  // --- the feed -------------------------------------------------------------------------------

  async function loadHistory() {
    const data = await api("GET", `/testbed/events?since=${S.lastSeq}`);
    const events = data.events;
    if (events.length) S.lastSeq = events[events.length - 1].seq;
    const rows = [];
    for (let i = events.length - 1; i >= 0 && rows.length < FEED_MAX; i -= 1) {
      const row = feedRow(events[i]);
      if (row) rows.push(row);
    }
    $("feed").replaceChildren(...rows);
  }

  function rsp(code, status) {
    const text = code || `HTTP ${status}`;
    const good = code ? code === "A0000" : status < 400;
    return h("code", { class: good ? "rsp ok" : "rsp bad" }, text);
  }

  function feedRow(ev) {
    let tag;
    let what;
    switch (ev.type) {
      case "api":
        tag = "API";
        what = [
          h("span", { class: "method" }, ev.method), " ",
          h("code", { class: "path" }, ev.path), " ",
          rsp(ev.rsp_code, ev.status), " ",
          h("span", { class: "inst" }, ev.client_use_code || "—"), " ",
          h("span", { class: "en" }, `${Math.round((Number(ev.elapsed) || 0) * 1000)} ms`),
        ];
        break;
      case "transfer":
        tag = "이체";
        what = [
          `${bankLabel(ev.from_bank)} → ${bankLabel(ev.to_bank)} `,
          h("strong", { class: "money" }, won(ev.amount)),
          " ", h("span", { class: "en" }, ev.ref || ""),
        ];
        break;
      case "cash":
        tag = "현금";
        what = [`${bankLabel(ev.bank)} `, h("strong", { class: "money" }, signed(ev.amount))];
        break;
      case "bank_state": {
        const known = STATES[ev.state] || { icon: "?", ko: "" };
        tag = "상태";
        what = [
          `${bankLabel(ev.bank)} → `,
          h("span", { class: `pill s-${ev.state}` }, `${known.icon} ${ev.state} ${known.ko}`),
        ];
        break;
      }
      case "fault_start":
      case "fault_end":
        tag = ev.type === "fault_start" ? "장애 시작" : "장애 종료";
        what = [
          h("strong", {}, ev.fault), ` ${ev.kind} `,
          (ev.banks || []).length ? ev.banks.map(bankLabel).join(", ") : "모든 은행 all banks",
          ev.type === "fault_start" ? " start" : " end",
        ];
        break;
      case "settlement":
        tag = "정산";
        what = [`settlement ${ev.date || ""}`];
        break;
      case "account_status":
        tag = "계좌";
        what = [`${bankLabel(ev.bank)} → ${ev.status}`];
        break;
      case "reset":
      case "restore":
        tag = ev.type === "reset" ? "초기화" : "복원";
        what = [ev.type];
        break;
      case "scenario_loaded": {
        const old = ev.replaced || {};
        tag = "시나리오";
        what = [
          h("strong", {}, ev.scenario), " ",
          h("span", { class: "en" },
            `replaced institutions ${(old.institutions || []).join(", ") || "none"}, ` +
            `${old.users || 0} users, clock ${old.now || "?"}`),
        ];
        break;
      }
      default:
        return null;
    }
    return h(
      "li",
      { class: `row t-${ev.type}`, "data-type": ev.type },
      h("time", { datetime: ev.time || null }, hhmmss(ev.time)),
      " ",
      h("span", { class: "tag" }, tag),
      " ",
      h("span", { class: "what" }, what),
    );
  }

  function addFeed(row) {
    const feed = $("feed");
    feed.prepend(row);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
  }

  // --- the event stream -----------------------------------------------------------------------

  function openStream() {
    closeStream();
    const url = `/testbed/events?token=${encodeURIComponent(S.token)}&since=${S.lastSeq}`;
    const source = new EventSource(url);
    S.stream = source;
    source.onopen = () => setLive("on");
    source.onerror = () => {
      if (S.stream !== source) return;
      setLive("retry");
      if (source.readyState === EventSource.CLOSED) {
        // refused (the token?) or not a stream: look, then open a new one
        S.stream = null;
        S.retry = setTimeout(reconnect, RETRY_MS);
      }
    };
    for (const type of STREAM_TYPES) {
      source.addEventListener(type, (message) => {
        try {
          onEvent(JSON.parse(message.data));
        } catch (e) {
          console.warn(e);
        }
      });
    }
    source.addEventListener("gap", () => {
      say("이벤트 일부를 놓쳤습니다 · some events were lost; refreshing", true);
      refreshAll();
    });
  }

  function closeStream() {
    if (S.stream) S.stream.close();
    S.stream = null;
  }

  async function reconnect() {
    S.retry = null;
    if (!S.running) return;
    try {
      await readClock();
    } catch (e) {
      if (!(e instanceof AuthError)) S.retry = setTimeout(reconnect, RETRY_MS);
      return;
    }
    refreshAll();
    openStream();
  }

  function onEvent(ev) {
    if (typeof ev.seq === "number") {
      if (ev.seq <= S.lastSeq) return; // already seen (a reconnect replays)
      S.lastSeq = ev.seq;
    }
    const row = feedRow(ev);
    if (row) addFeed(row);
    switch (ev.type) {
      case "api":
        countCall(ev);
        break;
      case "transfer":
      case "settlement":
        settlementSoon();
        break;
      case "bank_state": {
        const bank = S.banks.get(ev.bank);
        if (bank) {
          bank.state = ev.state; // at once; the refresh brings the next change
          updateTile(S.tiles.get(ev.bank), bank);
        }
        banksSoon();
        break;
      }
      case "fault":
      case "fault_start":
      case "fault_end":
        banksSoon();
        faultsSoon();
        break;
      case "reset":
      case "restore":
      case "scenario_loaded":
        refreshAll();
        break;
      default:
        break;
    }
  }

  // --- the chart ------------------------------------------------------------------------------

  function countCall(ev) {
    const second = Math.floor(Date.now() / 1000);
    const bin = S.bins.get(second) || { n: 0, sum: 0 };
    bin.n += 1;
    bin.sum += Number(ev.elapsed) || 0;
    S.bins.set(second, bin);
  }

  function niceCeil(value) {
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  const latencyText = (seconds) =>
    seconds >= 1 ? `${seconds.toFixed(seconds >= 10 ? 0 : 1)} s` : `${Math.round(seconds * 1000)} ms`;

  function drawChart() {
    const now = Math.floor(Date.now() / 1000);
    for (const second of S.bins.keys()) if (second <= now - CHART_SECONDS) S.bins.delete(second);
    const calls = [];
    const latency = [];
    for (let i = CHART_SECONDS - 1; i >= 0; i -= 1) {
      const bin = S.bins.get(now - i);
      calls.push(bin ? bin.n : 0);
      latency.push(bin && bin.n ? bin.sum / bin.n : null);
    }
    summarise(now);
    const canvas = $("chart");
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return; // not on screen
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const box = { left: 40, right: width - 52, top: 10, bottom: height - 20 };
    const plotW = box.right - box.left;
    const plotH = box.bottom - box.top;
    const maxCalls = niceCeil(Math.max(1, ...calls));
    const maxLatency = niceCeil(Math.max(0.01, ...latency.filter((x) => x !== null)));
    ctx.font = `12px ${getComputedStyle(canvas).fontFamily}`;  // the page's stack: Hangul too
    ctx.lineWidth = 1;
    // grid and axes
    ctx.strokeStyle = "#d0d7de";
    ctx.fillStyle = "#57606a";
    for (const f of [0, 0.5, 1]) {
      const y = Math.round(box.bottom - f * plotH) + 0.5;
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.right, y);
      ctx.stroke();
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(number.format(maxCalls * f), box.left - 6, y);
      ctx.textAlign = "left";
      ctx.fillText(latencyText(maxLatency * f), box.right + 6, y);
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    // the axis in simulated KST (the bins are wall seconds: at ×60 two wall minutes are
    // two simulated hours), as the clock above the chart shows it
    const sim = S.clock ? simNow() : null;
    const speed = S.clock && !S.clock.frozen ? S.clock.speed : 0;
    const at = (ago) => (sim === null ? "" : hhmmss(isoKst(sim - ago * speed)));
    ctx.fillText(at(CHART_SECONDS) || "−2분", box.left, box.bottom + 4);
    ctx.textAlign = "center";
    ctx.fillText(at(CHART_SECONDS / 2) || "−1분", box.left + plotW / 2, box.bottom + 4);
    ctx.textAlign = "right";
    ctx.fillText(sim === null ? "지금 now" : `${at(0)} KST`, box.right, box.bottom + 4);
    // calls per second: bars
    const step = plotW / CHART_SECONDS;
    ctx.fillStyle = "#0b57d0";
    calls.forEach((n, i) => {
      if (!n) return;
      // whole pixels: crisp bars, however narrow
      const x0 = Math.round(box.left + i * step);
      const x1 = Math.round(box.left + (i + 1) * step);
      const top = Math.round(box.bottom - (n / maxCalls) * plotH);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0 - (x1 - x0 > 2 ? 1 : 0)), box.bottom - top);
    });
    // average latency: a line, broken where no call was made
    ctx.strokeStyle = "#b35900";
    ctx.lineWidth = 2;
    ctx.beginPath();
    let drawing = false;
    latency.forEach((value, i) => {
      if (value === null) {
        drawing = false;
        return;
      }
      const x = box.left + (i + 0.5) * step;
      const y = box.bottom - (value / maxLatency) * plotH;
      if (drawing) ctx.lineTo(x, y);
      else {
        ctx.moveTo(x, y);
        ctx.fillStyle = "#b35900";
        ctx.fillRect(x - 1.5, y - 1.5, 3, 3); // a lone second still shows
      }
      drawing = true;
    });
    ctx.stroke();
  }

  function summarise(now) {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < SUMMARY_SECONDS; i += 1) {
      const bin = S.bins.get(now - i);
      if (bin) {
        n += bin.n;
        sum += bin.sum;
      }
    }
    $("chart-calls").textContent = (n / SUMMARY_SECONDS).toFixed(1);
    $("chart-latency").textContent = n ? latencyText(sum / n) : "—";
  }

  // --- wiring ---------------------------------------------------------------------------------

  function wire() {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      if (!token) return;
      $("token-input").value = "";
      S.token = token;
      keep(token);
      start();
    });
    $("forget").addEventListener("click", () => {
      stop();
      keep(null);
      S.token = null;
      showLogin("");
    });
    $("jump").addEventListener("click", async () => {
      try {
        await readClock();
      } catch (e) {
        failed("시계 clock", e);
        return;
      }
      const target = jumpTarget(simNow());
      await clockAction({ set: target }, `${hhmmss(target)}로 이동 jump`);
    });
    for (const button of document.querySelectorAll("button.speed")) {
      button.addEventListener("click", () =>
        clockAction({ speed: Number(button.dataset.speed) }, `×${button.dataset.speed}`),
      );
    }
    $("freeze").addEventListener("click", () =>
      S.clock && S.clock.frozen
        ? clockAction({ resume: true }, "재개 resume")
        : clockAction({ freeze: true }, "정지 freeze"),
    );
    $("fault-form").addEventListener("submit", injectFault);
    $("fault-kind").addEventListener("change", showParam);
    $("faults").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-fault]");
      if (button) endFault(button.dataset.fault);
    });
    $("clear-faults").addEventListener("click", clearFaults);
    window.addEventListener("resize", drawChart);
    window.addEventListener("hashchange", () => {
      const token = fragmentToken();
      if (token) {
        S.token = token;
        keep(token);
        start();
      }
    });
    showParam();
  }

  function boot() {
    wire();
    const token = fragmentToken();
    if (token) keep(token);
    S.token = token || kept();
    if (S.token) start();
    else showLogin("");
  }

  boot();
})();
