/* What the operator's pages (/operator/…) share: the admin token's life — from the URL
   fragment (#token=..., removed from the address bar at once) or the login form, kept in
   this tab's sessionStorage, sent as a bearer token, forgotten on a 401 (the form shows
   again) — and an element maker that never renders data as HTML. Plain ES2020. */
window.OperatorPage = (() => {
  "use strict";
  const TOKEN_KEY = "kftc-testbed.admin-token";
  const $ = (id) => document.getElementById(id);
  let token = null;

  function store(key, value) {
    try {
      if (value) sessionStorage.setItem(key, value); else sessionStorage.removeItem(key);
    } catch { /* private mode: it lives as long as the page */ }
  }
  function stored(key) {
    try { return sessionStorage.getItem(key); } catch { return null; }
  }
  function fragmentToken() {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search);
    try { return decodeURIComponent(match[1]); } catch { return match[1]; }
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
  function use(value) {
    token = value;
    store(TOKEN_KEY, value);
  }

  /* The JSON answer of a control-plane call: { status, body }; a refused token throws. */
  async function call(method, path, body, headers) {
    const init = { method, cache: "no-store", headers: { ...(headers || {}), Authorization: `Bearer ${token}` } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    if (resp.status === 401) {
      use(null);
      showLogin("토큰이 거부되었습니다 · the admin token was refused");
      throw new Error("refused");
    }
    return { status: resp.status, body: await resp.json() };
  }

  /* Wire the login form, the forget button and the fragment; `open` loads the page's data
     once there is a token (and again for a new one). */
  function start(open) {
    const go = () => {
      $("login").hidden = true;
      $("list").hidden = false;
      open().catch(() => {});
    };
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("token-input").value.trim();
      if (!value) return;
      $("token-input").value = "";
      use(value);
      go();
    });
    $("forget").addEventListener("click", () => { use(null); showLogin(""); });
    window.addEventListener("hashchange", () => {
      const value = fragmentToken();
      if (value) { use(value); go(); }
    });
    const value = fragmentToken() || stored(TOKEN_KEY);
    if (value) { use(value); go(); } else showLogin("");
  }

  return { $, el, store, stored, call, start };
})();
