// Admin console: reads the admin API with the session cookie and drives the service.
// Every value is written with textContent.

const $ = (selector) => document.querySelector(selector);

function fillRows(table, rows) {
  const body = $(`${table} tbody`);
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const value of cells) {
        const td = document.createElement("td");
        td.textContent = value === null || value === undefined ? "" : String(value);
        tr.append(td);
      }
      return tr;
    }),
  );
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const body = await response.json();
  if (!response.ok || body.success === false) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function post(path, payload) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload || {}),
  });
}

async function refresh() {
  const [stats, health] = await Promise.all([api("/api/admin/stats"), api("/api/admin/health")]);
  const status = stats.status;
  $("#auto-state").textContent = status.auto_discovery_active
    ? `running every ${status.auto_discovery_interval} s, ${status.auto_discovery_max_tokens} tokens`
    : "stopped";
  const h = health.health;
  fillRows("#health", [
    ["Overall", h.status],
    ["Store", h.store.ok ? `ok (${h.store.kind})` : `down: ${h.store.error}`],
    ["Last scan", `${h.last_scan.status}${h.last_scan.error ? `: ${h.last_scan.error}` : ""}`],
    ...Object.entries(h.upstream.breakers).map(([name, state]) => [`Circuit ${name}`, state]),
  ]);
  fillRows("#budget", Object.entries(h.upstream.budget).map(([name, b]) => [name, b.balance, b.capacity, b.cooldown_seconds]));
  const s = stats.stats;
  fillRows("#stats", [
    ["Scans", s.total_scans],
    ["Tokens stored", s.database_usage],
    ["Safe / risky / unknown", `${s.safe_tokens} / ${s.risky_tokens} / ${s.unknown_tokens}`],
    ["Upstream calls made", s.upstream.total_calls],
    ["Calls saved by sharing", s.upstream.calls_saved],
    ["Rules version", stats.rules_version],
  ]);
  fillRows("#scans", stats.scans.map((scan) => [scan.finished_at, scan.status, scan.tokens_found, scan.tokens_new,
    scan.upstream_calls, (scan.errors || []).length]));
}

async function act(label, action) {
  $("#message").textContent = `${label}…`;
  try {
    const result = await action();
    $("#message").textContent = `${label}: done${result ? ` (${result})` : ""}`;
  } catch (error) {
    $("#message").textContent = `${label}: ${error.message}`;
  }
  await refresh().catch(() => {});
}

$("#auto-start").addEventListener("click", () => act("Start auto-discovery", () => post("/api/discovery/auto/start", {
  interval_seconds: Number($("#interval").value),
  max_tokens: Number($("#max-tokens").value),
}).then(() => "")));
$("#auto-stop").addEventListener("click", () => act("Stop auto-discovery", () => post("/api/discovery/auto/stop").then(() => "")));
$("#scan").addEventListener("click", () => act("Scan", () => post("/api/discovery/trigger", {})
  .then((r) => (r.status === "running" ? "still running" : `${r.tokens_new ?? 0} new tokens`))));
$("#rescore").addEventListener("click", () => act("Rescore", () => post("/api/admin/rescore")
  .then((r) => `${r.changed} of ${r.checked} changed`)));

refresh().catch((error) => { $("#message").textContent = error.message; });
setInterval(() => refresh().catch(() => {}), 5000);
