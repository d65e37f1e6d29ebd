// The dashboard: a first page from REST, then everything live through TokenDiscoveryClient.
import { copyText } from "../dom.js";
import { Alerts, PREFS_KEY } from "./alerts.js";
import { renderDetail } from "./detail.js";
import { download, stampedName, toCsv, toJson } from "./export.js";
import * as fmt from "./format.js";
import { rowOf } from "./model.js";
import { ScanButton } from "./scan.js";
import { FilterBar } from "./filters.js";
import { showConnection, wireAlertsPanel } from "./panels.js";
import { Signals } from "./signals.js";
import { WATCH_KEY, loadWatchlist, parseQuery, passes, saveWatchlist, toQuery, visibleRows } from "./state.js";
import { buildRow, renderHead, tickAges, toast } from "./view.js";
import { WatchForm } from "./watch_form.js";

const $ = (id) => document.getElementById(id);
const chains = (document.body.dataset.chains || "").split(",").filter(Boolean);
const capacity = Number(document.body.dataset.capacity) || 200;
const tbody = document.querySelector("#tokens tbody");
const headRow = $("grid-head");
const detail = $("detail");

const records = new Map(); // seq -> TokenRecord
const rows = new Map(); // seq -> row model
const built = new Map(); // seq -> { row, watched, tr }
const fresh = new Set();
let state = parseQuery(location.search, chains);
let watched = loadWatchlist(localStorage);
let visible = [];
let activeSeq = null;
let detailKey = hashKey();
let detailOpener = null; // what gets the focus back when the detail closes (else the active row)
let renderQueued = false;
let pointerInGrid = false;
let newAbove = 0;

const client = new window.TokenDiscoveryClient();
const alerts = new Alerts(localStorage, document.title);
const scan = new ScanButton($("scan"), $("scan-state"), client);
const filters = new FilterBar(setState, () => state);
const signals = new Signals({ client, alerts, storage: localStorage, findToken: (key) => Boolean(recordByKey(key)), openToken });
const watchForm = new WatchForm(signals, () => state);
window.tokenDiscovery = { client, records };

/** The "chain:address" a shared link points at (#base%3A0x...), or null; a malformed link is ignored. */
function hashKey() {
  try {
    return decodeURIComponent(location.hash.slice(1)).slice(0, 120) || null;
  } catch {
    return null;
  }
}

// ---- records -------------------------------------------------------------------------------

function keep(record) {
  records.set(record.seq, record);
  rows.set(record.seq, rowOf(record, Date.now()));
  if (records.size <= capacity) return;
  const evictable = [...rows.values()].filter((r) => !watched.has(r.key)).sort((a, b) => a.seq - b.seq);
  for (const row of evictable.slice(0, records.size - capacity)) {
    records.delete(row.seq);
    rows.delete(row.seq);
    built.delete(row.seq);
  }
}

function onNewToken(record) {
  if (records.has(record.seq)) return;
  keep(record);
  markFresh(record.seq);
  const row = rows.get(record.seq);
  if (row && passes(row, state, watched)) {
    const title = `${row.name} (${row.symbol}) on ${row.chain}`;
    const body = `${row.level}${row.score === null ? "" : ` ${row.score}`} · liquidity ${fmt.usd(row.liquidity)}`;
    if (alerts.notify(`New token: ${title}`, body, () => openDetail(row.key), String(row.seq))) {
      toast($("toasts"), `New: ${row.name} (${row.symbol})`, `${row.chain} · ${body}`, row.level, () => openDetail(row.key));
    }
  }
  scheduleRender();
}

function onTokenUpdated(record) {
  if (!Number.isInteger(record?.seq)) return;
  keep(record);
  const row = rows.get(record.seq);
  const changes = Array.isArray(record.changes) ? record.changes : []; // also kept in token_data.history
  if (changes.length && watched.has(row.key) && alerts.prefs.on) {
    toast($("toasts"), `Watched ${row.symbol} changed`, changes.map((c) => String(c.label)).join("; "), row.level,
      () => openDetail(row.key));
  }
  markFresh(record.seq);
  if (detailKey === row.key) showDetail();
  scheduleRender();
}

/** Flash a row once; the class goes after the animation, so moving the row later does not replay it. */
function markFresh(seq) {
  fresh.add(seq);
  setTimeout(() => {
    fresh.delete(seq);
    built.get(seq)?.tr.classList.remove("fresh");
  }, 3000);
}

// ---- rendering -----------------------------------------------------------------------------

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

function render() {
  renderQueued = false;
  const hadFocus = tbody.contains(document.activeElement) && document.activeElement.tagName === "TR";
  visible = visibleRows([...rows.values()], state, watched);
  const ctx = { watched, fresh, now: Date.now() };
  const trs = visible.map((row) => {
    const cached = built.get(row.seq);
    const isWatched = watched.has(row.key);
    if (cached && cached.row === row && cached.watched === isWatched) return cached.tr;
    const tr = buildRow(row, ctx);
    built.set(row.seq, { row, watched: isWatched, tr });
    return tr;
  });
  const anchor = scrollAnchor();
  tbody.replaceChildren(...trs);
  keepAnchor(anchor);
  if (!visible.some((r) => r.seq === activeSeq)) activeSeq = visible[0]?.seq ?? null;
  for (const tr of trs) tr.tabIndex = Number(tr.dataset.seq) === activeSeq ? 0 : -1;
  if (hadFocus) focusRow(activeSeq);
  $("count").textContent = `${visible.length} of ${records.size} tokens`;
  $("empty").hidden = visible.length > 0;
  $("empty").textContent = records.size ? "No token passes these filters." : "No token yet: the first scan will fill this list.";
}

/** The first row in view, when the reader is scrolled down or has the pointer on the grid: it must not move. */
function scrollAnchor() {
  if (window.scrollY <= 0 && !pointerInGrid) return null;
  const below = headRow.firstElementChild?.getBoundingClientRect().bottom ?? 0; // the sticky header cell
  const tr = [...tbody.children].find((row) => row.getBoundingClientRect().bottom > below);
  return tr ? { tr, top: tr.getBoundingClientRect().top, index: [...tbody.children].indexOf(tr) } : null;
}

/** Scroll back so the anchored row stays where it was; count the rows that arrived above it. */
function keepAnchor(anchor) {
  if (!anchor || !anchor.tr.isConnected) return;
  const shift = anchor.tr.getBoundingClientRect().top - anchor.top;
  if (Math.abs(shift) < 1) return;
  window.scrollBy(0, shift);
  const above = [...tbody.children].indexOf(anchor.tr) - anchor.index;
  if (above > 0) showNewAbove(newAbove + above);
}

function showNewAbove(count) {
  newAbove = count;
  const pill = $("new-above");
  pill.hidden = count <= 0;
  pill.textContent = `${count} new ↑`;
}

function syncHead() {
  renderHead(headRow, state, (key) => {
    const ascending = key === "name" || key === "chain" || key === "age";
    const dir = state.sort === key ? (state.dir === "asc" ? "desc" : "asc") : ascending ? "asc" : "desc";
    setState({ ...state, sort: key, dir });
  });
}

function stateChanged() {
  history.replaceState(history.state, "", pageUrl());
  filters.show(state);
  watchForm.show(state);
  syncHead();
  scheduleRender();
}

function setState(next) {
  state = next;
  stateChanged();
}

// ---- watchlist, copy, detail ---------------------------------------------------------------

function toggleWatch(row) {
  if (watched.has(row.key)) watched.delete(row.key);
  else watched.add(row.key);
  saveWatchlist(localStorage, watched);
  if (detailKey === row.key) showDetail();
  scheduleRender();
}

async function copyAddress(row, button) {
  const done = await copyText(row.address);
  if (!button) return;
  button.textContent = done ? "Copied" : "Copy failed";
  button.classList.toggle("copied", done);
  setTimeout(() => { button.textContent = "Copy"; button.classList.remove("copied"); }, 1500);
}

function recordByKey(key) {
  for (const row of rows.values()) if (row.key === key) return records.get(row.seq);
  return null;
}

function pageUrl() {
  return `${location.pathname}${toQuery(state)}${detailKey ? `#${encodeURIComponent(detailKey)}` : ""}`;
}

/** Open a token's detail from elsewhere (a signal); false when the grid does not hold it. */
function openToken(key, opener) {
  if (!recordByKey(key)) return false;
  openDetail(key, opener);
  return true;
}

function openDetail(key, opener = null) {
  const wasOpen = detailKey !== null;
  detailKey = key;
  detailOpener = opener;
  if (!wasOpen) history.pushState({ detail: true }, "", pageUrl()); // Back closes the panel
  stateChanged();
  showDetail(true);
}

function showDetail(focus = false) {
  const record = detailKey && recordByKey(detailKey);
  if (!record) return closeDetail(false);
  renderDetail(detail, record, {
    watched, close: () => closeDetail(true),
    copy: (row) => copyAddress(row, detail.querySelector(".detail-address .copy")),
    watch: toggleWatch,
  });
  detail.hidden = false;
  document.body.classList.add("detail-open");
  if (focus) detail.focus();
}

function closeDetail(restoreFocus, viaHistory = false) {
  const was = detailKey;
  detailKey = null;
  detail.hidden = true;
  document.body.classList.remove("detail-open");
  if (was && !viaHistory && history.state?.detail) history.back(); // leave the entry the panel pushed
  else if (was) stateChanged();
  if (restoreFocus && detailOpener?.isConnected && detailOpener.offsetParent) detailOpener.focus();
  else if (restoreFocus) focusRow(activeSeq);
  detailOpener = null;
}

// ---- keyboard and pointer on the grid ------------------------------------------------------

function focusRow(seq) {
  const tr = seq === null ? null : tbody.querySelector(`tr[data-seq="${seq}"]`);
  if (!tr) return;
  for (const other of tbody.querySelectorAll('tr[tabindex="0"]')) other.tabIndex = -1;
  tr.tabIndex = 0;
  activeSeq = seq;
  tr.focus();
}

function moveFocus(step) {
  const index = visible.findIndex((r) => r.seq === activeSeq);
  const next = visible[Math.max(0, Math.min(visible.length - 1, index + step))];
  if (next) focusRow(next.seq);
}

function wireGrid() {
  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-seq]");
    const row = tr && rows.get(Number(tr.dataset.seq));
    if (!row) return;
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action === "watch") return toggleWatch(row);
    if (action === "copy") return copyAddress(row, event.target.closest("button"));
    if (event.target.closest("a")) return undefined;
    activeSeq = row.seq;
    return openDetail(row.key);
  });
  tbody.addEventListener("keydown", (event) => {
    const tr = event.target.closest("tr[data-seq]");
    if (!tr || event.target !== tr) return;
    const row = rows.get(Number(tr.dataset.seq));
    const keys = { ArrowDown: () => moveFocus(1), j: () => moveFocus(1), ArrowUp: () => moveFocus(-1),
      k: () => moveFocus(-1), Home: () => moveFocus(-visible.length), End: () => moveFocus(visible.length),
      Enter: () => openDetail(row.key), w: () => toggleWatch(row), c: () => copyAddress(row, tr.querySelector(".copy")) };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });
  tbody.addEventListener("focusin", (event) => {
    const tr = event.target.closest("tr[data-seq]");
    if (tr) activeSeq = Number(tr.dataset.seq);
  });
  tbody.addEventListener("pointerenter", () => { pointerInGrid = true; });
  tbody.addEventListener("pointerleave", () => { pointerInGrid = false; });
  $("new-above").addEventListener("click", () => { window.scrollTo({ top: 0 }); showNewAbove(0); });
  window.addEventListener("scroll", () => { if (window.scrollY <= 0 && newAbove) showNewAbove(0); }, { passive: true });
  detail.addEventListener("keydown", (event) => {
    const step = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[event.key];
    if (!step || event.target.closest("input, select, textarea, button, a")) return;
    event.preventDefault();
    moveFocus(step);
    const row = rows.get(activeSeq);
    if (row) openDetail(row.key);
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest?.("input, select, textarea");
    if (event.key === "Escape" && !detail.hidden) closeDetail(true);
    else if (event.key === "/" && !typing) { event.preventDefault(); $("f-q").focus(); }
    else if ((event.key === "j" || event.key === "ArrowDown") && event.target === document.body) { event.preventDefault(); focusRow(activeSeq); }
  });
}

// ---- export, alerts, connection ------------------------------------------------------------

function wireExport() {
  $("export-csv").addEventListener("click", () => download(stampedName("csv"), toCsv(visible), "text/csv;charset=utf-8"));
  $("export-json").addEventListener("click", () =>
    download(stampedName("json"), toJson(visible.map((row) => records.get(row.seq))), "application/json"));
}

function wireClient() {
  client.on("status", showConnection);
  client.on("new_token", onNewToken);
  client.on("token_updated", onTokenUpdated);
  scan.listen();
  window.addEventListener("hashchange", () => {
    const key = hashKey();
    if (key === detailKey) return;
    if (key) openDetail(key);
    else closeDetail(false, true);
  });
  window.addEventListener("storage", (event) => {
    if (event.key !== WATCH_KEY) return;
    watched = loadWatchlist(localStorage);
    scheduleRender();
  });
}

/** The panel opens under the top bar, whose height changes as it wraps. */
function trackTopbar() {
  const bar = document.querySelector(".topbar");
  const set = () => document.documentElement.style.setProperty("--topbar-h", `${bar.offsetHeight}px`);
  new ResizeObserver(set).observe(bar);
  set();
}

async function start() {
  trackTopbar();
  filters.show(state);
  watchForm.show(state);
  syncHead();
  wireGrid();
  wireExport();
  wireAlertsPanel(alerts, PREFS_KEY);
  wireClient();
  try {
    const first = await client.getRecentTokens(capacity);
    client.remember(first);
    for (const record of first) keep(record);
  } catch (error) {
    $("notice").textContent = `Could not load the stored tokens (${error.message}); waiting for the live feed.`;
    $("notice").hidden = false;
  }
  history.replaceState(history.state, "", pageUrl()); // unknown or invalid parameters leave the address bar
  render();
  if (detailKey) showDetail();
  client.connect();
  signals.attach();
  scan.refresh();
  setInterval(() => tickAges(tbody, Date.now()), 15000);
  setInterval(() => state.maxAge && scheduleRender(), 30000); // tokens age out of a "≤ 15 m" view
}

start();
