// Live list of discovered tokens: REST for the first page, Socket.IO for everything after.
// Token names, symbols and links come from strangers: the DOM is built with textContent only,
// and only http(s) links are rendered.
import { io } from "/static/vendor/socket.io.esm.min.js";

const MAX_ROWS = 200;
const body = document.querySelector("#tokens tbody");
const empty = document.getElementById("empty");
const connection = document.getElementById("connection");
const scanState = document.getElementById("scan-state");
const seen = new Set();
let lastSeq = 0;

function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function linksCell(links) {
  const td = document.createElement("td");
  for (const link of links || []) {
    const href = safeUrl(link.url);
    if (!href) continue;
    const a = document.createElement("a");
    a.href = href;
    a.textContent = link.kind || "link";
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    td.append(a);
  }
  return td;
}

function row(record, fresh) {
  const data = record.token_data || {};
  const reasons = (data.analysis?.reasons || []).slice(0, 3).map((r) => r.label).join("; ");
  const tr = document.createElement("tr");
  tr.dataset.seq = String(record.seq);
  tr.dataset.key = `${record.token_chain}:${record.token_address}`;
  if (fresh) tr.className = "fresh";
  const name = `${data.name || "?"} (${data.symbol || "?"})`;
  tr.append(
    cell(String(record.seq)),
    cell(name),
    cell(record.token_chain),
    cell(record.risk_level, `level-${record.risk_level}`),
    cell(String(record.risk_score)),
    cell(reasons),
    linksCell(data.links),
    cell(new Date(record.scanned_at).toLocaleTimeString()),
  );
  return tr;
}

function insert(record, fresh) {
  if (seen.has(record.seq)) return;
  seen.add(record.seq);
  lastSeq = Math.max(lastSeq, record.seq);
  const tr = row(record, fresh);
  const before = [...body.children].find((r) => Number(r.dataset.seq) < record.seq);
  body.insertBefore(tr, before || null);
  while (body.children.length > MAX_ROWS) body.lastElementChild.remove();
  empty.hidden = body.children.length > 0;
}

function update(record) {
  const old = body.querySelector(`tr[data-seq="${CSS.escape(String(record.seq))}"]`);
  if (old) old.replaceWith(row(record, true));
}

async function loadRecent() {
  const response = await fetch("/api/discovery/recent?limit=100");
  const page = await response.json();
  for (const record of [...(page.tokens || [])].reverse()) insert(record, false);
}

function connect() {
  const socket = io({ transports: ["websocket"] });
  socket.on("connect", () => {
    connection.dataset.state = "connected";
    connection.textContent = "live";
    socket.emit("join_discovery", { last_seq: lastSeq });
  });
  socket.on("disconnect", () => {
    connection.dataset.state = "disconnected";
    connection.textContent = "reconnecting…";
  });
  socket.on("new_token", (record) => insert(record, true));
  socket.on("token_updated", update);
  socket.on("scan_started", () => { scanState.textContent = "scanning…"; });
  socket.on("scan_progress", (p) => { scanState.textContent = `scanning ${p.done}/${p.total}`; });
  socket.on("scan_completed", (r) => { scanState.textContent = `last scan: ${r.tokens_new ?? 0} new`; });
  socket.on("scan_error", (r) => { scanState.textContent = `scan failed: ${r.error}`; });
}

document.getElementById("scan").addEventListener("click", async () => {
  scanState.textContent = "scanning…";
  const response = await fetch("/api/discovery/trigger", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  const result = await response.json();
  if (!result.success) scanState.textContent = `scan refused: ${result.error}`;
});

loadRecent().catch(() => {}).finally(connect);
