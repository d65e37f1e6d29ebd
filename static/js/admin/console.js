// Admin console: the live snapshot pushed over Socket.IO (admin_stats), and the actions over the admin API.
import { el } from "../dom.js";
import { budgetChart, sparkline } from "./chart.js";

const $ = (selector) => document.querySelector(selector);
const POLL_MS = 10000;
let pollTimer = null;
let lastSnapshot = null;

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} m`;
  return m ? `${m} m ${s % 60} s` : `${s} s`;
}

function time(iso) {
  const t = Date.parse(iso || "");
  return Number.isFinite(t) ? new Date(t).toLocaleTimeString([], { hourCycle: "h23" }) : "—";
}

function rows(table, cells) {
  $(`${table} tbody`).replaceChildren(...cells.map((values) => el("tr", {}, values.map((v, i) =>
    el(i === 0 && table === "#health" ? "th" : "td", i === 0 && table === "#health" ? { scope: "row" } : {},
      v === null || v === undefined ? "" : v)))));
}

function okText(ok, detail) {
  return el("span", { class: ok ? "ok" : "bad" }, ok ? `ok${detail ? ` (${detail})` : ""}` : `down${detail ? `: ${detail}` : ""}`);
}

// ---- rendering of one snapshot -------------------------------------------------------------

function renderVitals(snap) {
  const stats = snap.stats || {};
  const status = snap.status || {};
  const upstream = stats.upstream || {};
  $("#v-clients").textContent = String(snap.connected_clients ?? "—");
  $("#v-rate").textContent = String(snap.tokens_per_minute ?? "—");
  sparkline($("#tokens-chart"), (snap.tokens_history || []).map((p) => p.tokens || 0));
  $("#v-uptime").textContent = duration(snap.uptime_seconds);
  $("#v-scans").textContent = String(stats.total_scans ?? "—");
  $("#v-last-scan").textContent = status.last_scan_timestamp ? `last ${time(status.last_scan_timestamp)} (${status.last_scan_status || "?"})` : "none yet";
  $("#v-store").textContent = `${stats.database_usage ?? "—"}`;
  $("#v-store-meter").value = Number(stats.database_usage_percent) || 0;
  const served = upstream.triggers_served ?? 0;
  $("#v-ledger").textContent = `${served} scan requests served with ${upstream.total_calls ?? 0} upstream calls: ${upstream.calls_saved ?? 0} calls saved by sharing`;
}

function renderAuto(status) {
  $("#auto-state").textContent = status.auto_discovery_active
    ? `running every ${status.auto_discovery_interval} s, ${status.auto_discovery_max_tokens} tokens a scan`
    : "stopped";
  const form = $("#auto-form");
  if (!form.contains(document.activeElement) && !form.dataset.dirty) {
    $("#interval").value = status.auto_discovery_interval;
    $("#max-tokens").value = status.auto_discovery_max_tokens;
  }
}

function renderHealth(health) {
  const badge = $("#health-status");
  badge.textContent = health.status;
  badge.dataset.state = health.status === "ok" ? "connected" : "offline";
  const redis = health.redis || {};
  const store = health.store || {};
  rows("#health", [
    ["Store", okText(store.ok, store.ok ? store.kind : store.error)],
    ["Redis", redis.configured ? okText(redis.ok, redis.error) : el("span", { class: "muted" }, "not configured (single process)")],
    ["Last scan", `${health.last_scan?.status || "none"}${health.last_scan?.error ? `: ${health.last_scan.error}` : ""}`],
    ["Auto-discovery", health.auto_discovery_active ? "running" : "stopped"],
    ...Object.entries(health.upstream?.breakers || {}).map(([name, state]) => [`Upstream ${name}`,
      el("span", { class: state === "closed" ? "ok" : "bad" }, state === "closed" ? "ok (circuit closed)" : `circuit ${state}`)]),
  ]);
}

function budgetCard(name, bucket) {
  const minutes = bucket.minutes || [];
  const last = minutes[minutes.length - 1] || {};
  const limited = minutes.reduce((n, p) => n + (p.rate_limited || 0), 0);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "budget-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${name}: ${last.calls || 0} calls this minute, limit ${bucket.limit_per_minute} a minute`);
  budgetChart(svg, minutes, bucket.limit_per_minute);
  const cooling = bucket.cooldown_seconds > 0 ? el("span", { class: "bad" }, ` · cooling down ${Math.ceil(bucket.cooldown_seconds)} s`) : null;
  return el("figure", { class: "budget-card", dataset: { route: name } },
    el("figcaption", {}, el("strong", {}, name), " ",
      el("span", { class: "muted" }, `${last.calls || 0} calls this minute · balance ${bucket.balance}/${bucket.capacity}`),
      cooling, limited ? el("span", { class: "bad" }, ` · ${limited} rate-limited`) : null),
    svg);
}

function renderBudget(budget) {
  $("#budget").replaceChildren(...Object.entries(budget || {}).map(([name, bucket]) => budgetCard(name, bucket)));
}

function renderScans(scans) {
  rows("#scans", (scans || []).map((scan) => [time(scan.finished_at), scan.status, scan.tokens_found, scan.tokens_new,
    scan.upstream_calls, scan.duration_seconds === undefined ? "" : `${scan.duration_seconds} s`, (scan.errors || []).length]));
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

function renderOutcomes(outcomes) {
  const levels = outcomes.levels || {};
  const safe = levels.safe || {};
  const graded = (safe.rugged || 0) + (safe.alive || 0);
  $("#o-safe-rug").textContent = percent(outcomes.safe_rug_rate);
  $("#o-safe-rug").classList.toggle("bad", outcomes.safe_rug_rate > 0);
  $("#o-safe-rug-detail").textContent = graded ? `${safe.rugged || 0} of ${graded} graded` : "none graded yet";
  $("#o-catch").textContent = percent(outcomes.rug_catch_rate);
  const caught = levels.risky?.rugged || 0;
  $("#o-catch-detail").textContent = outcomes.rugged ? `${caught} of ${outcomes.rugged} rugs` : "no rug seen yet";
  rows("#outcomes", ["safe", "risky", "unknown"].map((level) => {
    const row = levels[level] || {};
    return [el("span", { class: `level level-${level}` }, level), row.tokens ?? 0, row.rugged ?? 0, row.alive ?? 0, row.unknown ?? 0];
  }));
}

const CHANNEL_NAMES = { socket: "Page (Socket.IO)", webhook: "Webhooks", telegram: "Telegram" };

function renderSignals(signals) {
  const channels = signals.channels || {};
  const made = signals.signals_made ?? 0;
  const timing = signals.match_ms || {};
  $("#s-watchers").textContent = String(signals.watchers ?? "—");
  $("#s-made").textContent = String(made);
  $("#s-throttled").textContent = signals.throttled ? `${signals.throttled} held back by the per-key limit` : "";
  $("#s-match").textContent = timing.p50 === null || timing.p50 === undefined ? "—" : `${timing.p50} ms`;
  $("#s-match-detail").textContent = timing.tokens ? `median · p99 ${timing.p99} ms over ${timing.tokens} tokens` : "no token matched yet";
  $("#s-backlog").textContent = String(signals.backlog ?? 0);
  rows("#signal-channels", Object.entries(CHANNEL_NAMES).map(([key, name]) => {
    const row = channels[key] || {};
    return [name, row.sent ?? 0, row.retried ?? 0,
      el("span", { class: row.dead ? "bad" : "" }, String(row.dead ?? 0)), row.dropped ?? 0];
  }));
  const letters = signals.dead_letters || [];
  rows("#dead-letters", letters.map((d) => [time(d.at), CHANNEL_NAMES[d.channel] || d.channel,
    (d.watchers || []).join(", "), d.signals, d.attempts, d.error]));
  $("#dead-letters").hidden = letters.length === 0;
  $("#dead-letters-empty").hidden = letters.length > 0;
}

const STREAM_STATES = {
  live: "Holds the stream", standby: "Standing by (another process holds it)", connecting: "Connecting", off: "Off",
};

function renderStream(stream) {
  const messages = stream.messages || {};
  $("#stream-panel").hidden = false;
  const state = $("#st-state");
  state.textContent = STREAM_STATES[stream.state] || String(stream.state);
  state.className = stream.state === "live" ? "ok" : stream.state === "connecting" ? "bad" : "";
  const heard = Number(stream.last_message_at);
  $("#st-heard").textContent = Number.isFinite(heard) && heard > 0
    ? `last message ${duration(Math.max(0, Date.now() / 1000 - heard))} ago` : "no message yet";
  $("#st-created").textContent = String(messages.creation ?? 0);
  $("#st-migrated").textContent = `${messages.migration ?? 0} graduated`;
  $("#st-stored").textContent = String(stream.tokens_stored ?? 0);
  const batches = stream.batches ?? 0;
  $("#st-batches").textContent = `${batches} batch${batches === 1 ? "" : "es"} · ${stream.upstream_calls ?? 0} upstream calls`;
  $("#st-waiting").textContent = String(stream.waiting ?? 0);
  $("#st-dropped").textContent = stream.dropped ? `${stream.dropped} dropped (queue full)` :
    stream.budget_waits ? `waited ${stream.budget_waits} times for the budget` : "";
  $("#st-connections").textContent = String(stream.connections ?? 0);
  $("#st-reconnects").textContent = `${stream.reconnects ?? 0} reconnections · ${stream.silences ?? 0} silences`;
  const malformed = $("#st-malformed");
  malformed.textContent = String(messages.malformed ?? 0);
  malformed.className = messages.malformed ? "bad" : "";
}

function render(snap) {
  lastSnapshot = snap;
  renderVitals(snap);
  renderAuto(snap.status || {});
  if (snap.health) renderHealth(snap.health);
  if (snap.budget) renderBudget(snap.budget);
  renderScans(snap.scans);
  if (snap.outcomes) renderOutcomes(snap.outcomes);
  if (snap.signals) renderSignals(snap.signals);
  if (snap.stream) renderStream(snap.stream);
}

// ---- data: live over the socket, polled over REST while the socket is down -----------------

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) window.location.reload(); // the session ended: show the login form
  if (!response.ok || body.success === false) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// The session's CSRF token, from the logout form of the page: every change the console makes carries it.
const csrfToken = document.querySelector('input[name="csrf"]')?.value || "";

function post(path, payload) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrfToken };
  return api(path, { method: "POST", headers, body: JSON.stringify(payload || {}) });
}

async function pollOnce() {
  const [stats, health] = await Promise.all([api("/api/admin/stats"), api("/api/admin/health")]);
  render({ ...(lastSnapshot || {}), ...stats, health: health.health, budget: lastSnapshot?.budget });
}

function startPolling() {
  if (pollTimer !== null) return;
  pollTimer = setInterval(() => pollOnce().catch(() => {}), POLL_MS);
  pollOnce().catch((error) => { $("#message").textContent = error.message; });
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function connect() {
  const client = new window.TokenDiscoveryClient({ join: false, pollInterval: 0 });
  const badge = $("#connection");
  client.on("status", (status) => {
    badge.dataset.state = status.state === "live" ? "connected" : status.state;
    badge.textContent = status.state === "live" ? "live" : status.state === "offline" ? "offline · polling" : `${status.state}…`;
    if (status.state === "live") {
      client.socket.emit("join_admin");
      stopPolling();
    } else if (status.state === "offline") {
      startPolling();
    }
  });
  client.on("admin_stats", render);
  client.on("error", (payload) => { $("#message").textContent = String(payload?.error || "error"); });
  client.connect();
  window.tokenDiscoveryAdmin = { client };
}

// ---- actions -------------------------------------------------------------------------------

async function act(label, action) {
  $("#message").textContent = `${label}…`;
  try {
    const result = await action();
    $("#message").textContent = `${label}: done${result ? ` (${result})` : ""}`;
  } catch (error) {
    $("#message").textContent = `${label}: ${error.message}`;
  }
}

function wireActions() {
  const form = $("#auto-form");
  form.addEventListener("input", () => { form.dataset.dirty = "1"; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act("Start auto-discovery", () => post("/api/discovery/auto/start", {
      interval_seconds: Number($("#interval").value), max_tokens: Number($("#max-tokens").value),
    }).then((r) => { delete form.dataset.dirty; renderAuto(r.status); return ""; }));
  });
  $("#auto-stop").addEventListener("click", () => act("Stop auto-discovery",
    () => post("/api/discovery/auto/stop").then((r) => { renderAuto(r.status); return ""; })));
  $("#scan").addEventListener("click", () => act("Scan", () => post("/api/discovery/trigger", {})
    .then((r) => (r.status === "running" ? "still running" : `${r.tokens_new ?? 0} new of ${r.tokens_found ?? 0}${r.cached ? ", cached" : ""}`))));
  $("#rescore").addEventListener("click", () => act("Rescore", () => post("/api/admin/rescore")
    .then((r) => `${r.changed} of ${r.checked} changed`)));
}

wireActions();
connect();
