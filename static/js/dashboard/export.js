// Export of the current view (filtered and sorted) to CSV and JSON.

const CSV_COLUMNS = [
  ["seq", (r) => r.seq],
  ["chain", (r) => r.chain],
  ["address", (r) => r.address],
  ["name", (r) => r.name],
  ["symbol", (r) => r.symbol],
  ["verdict", (r) => r.level],
  ["risk_score", (r) => r.score],
  ["mode", (r) => r.mode],
  ["age_minutes", (r, now) => (r.created === null ? null : Math.floor((now - r.created) / 60000))],
  ["price_usd", (r) => r.price],
  ["change_5m_pct", (r) => r.m5],
  ["change_1h_pct", (r) => r.h1],
  ["change_24h_pct", (r) => r.h24],
  ["liquidity_usd", (r) => r.liquidity],
  ["market_cap_or_fdv_usd", (r) => r.mcap],
  ["volume_24h_usd", (r) => r.volume],
  ["buys_24h", (r) => r.buys],
  ["sells_24h", (r) => r.sells],
  ["reasons", (r) => r.reasons.map((reason) => reason.label).join("; ")],
  ["dexscreener", (r) => r.pages.dexscreener || ""],
  ["explorer", (r) => r.pages.explorer || ""],
  ["scanned_at", (r) => r.scannedAt],
  ["launchpad", (r) => r.launch?.launchpad ?? null],
  ["curve_progress", (r) => r.launch?.progress ?? null],
  ["market_cap_sol", (r) => r.launch?.marketCapSol ?? null],
  ["creator", (r) => r.launch?.creator ?? null],
  ["creator_launches_24h", (r) => r.launch?.creatorLaunches ?? null],
];

/** One CSV cell: numbers as they are; text quoted, and never read as a formula by a spreadsheet. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = String(value).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
  if (/^[=+\-@\t\r|%]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** The rows as CSV text, with a header line; ages as of `now`. */
export function toCsv(rows, now = Date.now()) {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(",")];
  for (const row of rows) lines.push(CSV_COLUMNS.map(([, get]) => csvCell(get(row, now))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The records as pretty JSON. */
export function toJson(records) {
  return `${JSON.stringify(records, null, 2)}\n`;
}

/** Offer a text as a file download. */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name stamped with the time: tokens-2026-11-29T15-04-05.csv. */
export function stampedName(extension) {
  return `tokens-${new Date().toISOString().slice(0, 19).replace(/:/g, "-")}.${extension}`;
}
