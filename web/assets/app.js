// Outpost dashboard: what every page shares: the session and its CSRF token, API calls with
// errors a person can read, the header, the live WebSocket, and formatting.
"use strict";

const Outpost = {
  me: null,
  csrf: null,

  /** Who is signed in, loaded once per page (every script of a page may ask); an anonymous
   * visitor goes to the login page. */
  session() {
    if (!Outpost.loading) Outpost.loading = Outpost.loadSession();
    return Outpost.loading;
  },

  async loadSession() {
    const response = await fetch("/api/v1/session", { credentials: "same-origin" });
    if (response.status === 401) { Outpost.toLogin(); throw new Error("not signed in"); }
    const body = await response.json();
    Outpost.me = body; Outpost.csrf = body.csrf || null;
    return body;
  },

  /** `next` if it is a path of this site, else "/": never a way off the site after login
   * (`//evil.example`, `/\\evil.example`, `https://…`, `javascript:` all fail). */
  localPath(next) {
    if (!next || !next.startsWith("/")) return "/";
    try {
      const url = new URL(next, location.origin);
      return url.origin === location.origin ? url.pathname + url.search + url.hash : "/";
    } catch (error) { return "/"; }
  },

  /** Text made safe for places a library renders as HTML (chart labels take HTML). */
  escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },

  toLogin() {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  },

  /** Calls the API; throws an Error carrying the API's message. */
  async api(path, options = {}) {
    const init = { credentials: "same-origin", method: options.method || "GET", headers: {} };
    if (options.body !== undefined) { init.body = JSON.stringify(options.body); init.headers["Content-Type"] = "application/json"; }
    if (init.method !== "GET" && Outpost.csrf) init.headers["X-CSRF-Token"] = Outpost.csrf;
    const response = await fetch(path, init);
    if (response.status === 401) { Outpost.toLogin(); throw new Error("signed out"); }
    const text = await response.text();
    let body = {};
    try { body = text ? JSON.parse(text) : {}; } catch (e) { body = { error: { message: text } }; }
    if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
    return body;
  },

  /** Draws the header: the pages, who is signed in, the live indicator, log out. */
  header(active) {
    const pages = [["/", "Fleet"], ["/alerts", "Alerts"], ["/rollouts", "Rollouts"]];
    if (Outpost.me && Outpost.me.role === "admin") pages.push(["/admin", "Admin"]);
    const header = document.createElement("header");
    header.className = "top";
    header.innerHTML = '<span class="brand">Outpost</span><nav></nav><span class="who"><span id="live" class="live">offline</span><span id="user"></span><button id="logout">Log out</button></span>';
    const nav = header.querySelector("nav");
    for (const [href, label] of pages) {
      const link = document.createElement("a");
      link.href = href; link.textContent = label;
      if (label === active) link.className = "active";
      nav.appendChild(link);
    }
    header.querySelector("#user").textContent = Outpost.me ? `${Outpost.me.user} (${Outpost.me.role})` : "";
    header.querySelector("#logout").onclick = async () => {
      try { await Outpost.api("/api/v1/session", { method: "DELETE" }); } finally { location.href = "/login"; }
    };
    document.body.prepend(header);
  },

  /** The live feed: reconnects by itself; `handlers[type](message)`; `subscriptions` re-sent on reconnect. */
  live(handlers, subscriptions = []) {
    let socket = null, delay = 1000;
    const indicator = () => document.getElementById("live");
    const feed = {
      subscriptions,
      subscribe(list) { feed.subscriptions.push(...list); if (socket && socket.readyState === 1) socket.send(JSON.stringify({ subscribe: list })); },
    };
    const open = () => {
      socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/live");
      socket.onopen = () => {
        delay = 1000;
        if (indicator()) { indicator().textContent = "live"; indicator().classList.add("on"); }
        if (feed.subscriptions.length) socket.send(JSON.stringify({ subscribe: feed.subscriptions }));
      };
      socket.onmessage = (event) => {
        let message; try { message = JSON.parse(event.data); } catch (e) { return; }
        const handler = handlers[message.type]; if (handler) handler(message);
      };
      socket.onclose = () => {
        if (indicator()) { indicator().textContent = "offline"; indicator().classList.remove("on"); }
        setTimeout(open, delay); delay = Math.min(delay * 2, 30000);
      };
    };
    open();
    return feed;
  },

  param(name) { return new URLSearchParams(location.search).get(name); },
  /** A query string for the API: every value percent-encoded (URLSearchParams writes a space as
   * "+", which the API reads as a plus: a series named "flow rate" would not be found). Empty and
   * missing values are left out. */
  query(params) {
    return Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([key, value]) => encodeURIComponent(key) + "=" + encodeURIComponent(String(value))).join("&");
  },
  ms(ns) { return Math.floor(Number(ns) / 1e6); },
  time(ns) { return ns == null ? "—" : new Date(Outpost.ms(ns)).toLocaleString(); },
  ago(ns) {
    if (ns == null) return "never";
    const seconds = Math.max(0, (Date.now() - Outpost.ms(ns)) / 1000);
    if (seconds < 90) return Math.round(seconds) + " s ago";
    if (seconds < 5400) return Math.round(seconds / 60) + " min ago";
    if (seconds < 172800) return Math.round(seconds / 3600) + " h ago";
    return Math.round(seconds / 86400) + " d ago";
  },
  number(value) {
    if (value == null || !isFinite(value)) return "—";
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude < 0.01 || magnitude >= 1e7) ? value.toExponential(3) : String(Math.round(value * 1000) / 1000);
  },
  /** Bytes in kB, MB or GB (powers of 1000, as budgets are written). */
  bytes(n) {
    const value = Number(n);
    return value >= 1e9 ? (value / 1e9).toFixed(1) + " GB" : value >= 1e6 ? (value / 1e6).toFixed(1) + " MB"
      : value >= 1e3 ? (value / 1e3).toFixed(1) + " kB" : value + " B";
  },
  /** A data budget as the share used and what the gateway sends: "86 % · summaries". */
  budget(b) {
    if (!b) return "—";
    const share = b.limit > 0 ? Math.round((b.used / b.limit) * 100) : 100;
    return share + " %" + (b.sending === "readings" ? "" : " · " + b.sending);
  },
  /** A gateway's remote configuration in a few words: "v3 applied", "v4 rolled back (runs v3)". */
  configuration(c) {
    if (!c || c.desired == null) return c && c.applied ? `v${c.applied}` : "—";
    const runs = c.applied != null && c.applied !== c.desired ? ` (runs ${c.applied === 0 ? "agent.toml" : "v" + c.applied})` : "";
    return `v${c.desired} ${c.state.replace("_", " ")}` + runs;
  },
  /** Agent releases in a few words: what runs from a slot, what is on trial, what was given up. */
  release(r) {
    if (!r) return "";
    const parts = [];
    if (r.running) parts.push("release " + r.running);
    if (r.trial) parts.push(r.trial + " on trial");
    if (r.failed) parts.push(r.failed + " " + (r.outcome || "failed").replace("_", " "));
    if (r.download) parts.push(`downloading ${r.download.version}: ${Math.floor(100 * r.download.received / Math.max(1, r.download.size))} %`);
    if (r.refusal) parts.push("an offer refused");
    return parts.join(" · ");
  },
  seconds(ns) {
    const s = Number(ns) / 1e9;
    return Math.abs(s) < 1 ? (s * 1000).toFixed(0) + " ms" : s.toFixed(1) + " s";
  },
  /** A table cell with text (never HTML: names come from the field). */
  cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text; if (className) td.className = className;
    row.appendChild(td); return td;
  },
  link(href, text) { const a = document.createElement("a"); a.href = href; a.textContent = text; return a; },
  seriesHref(gateway, name, from, to) {
    return "/series?" + Outpost.query({ gateway, name, from, to });
  },
  fail(error) { const box = document.getElementById("error"); if (box) box.textContent = error.message || String(error); },
};
