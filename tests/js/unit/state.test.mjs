// Filters, sort and URL state of the dashboard; the CSV export never hands a spreadsheet a formula.
import assert from "node:assert/strict";
import { test } from "node:test";
import { csvCell, toCsv } from "../../../static/js/dashboard/export.js";
import { rowOf, safeImage, safeUrl } from "../../../static/js/dashboard/model.js";
import { DEFAULTS, parseQuery, passes, toQuery, visibleRows } from "../../../static/js/dashboard/state.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const CHAINS = ["solana", "base", "bsc"];

function record(seq, { chain = "base", level = "safe", liquidity = 10_000, minutesOld = 30, name = `T${seq}` } = {}) {
  return {
    seq, token_chain: chain, token_address: `0x${String(seq).padStart(40, "0")}`, risk_level: level, risk_score: 10,
    scanned_at: new Date(NOW).toISOString(),
    token_data: { name, symbol: `S${seq}`, pool_created_at: new Date(NOW - minutesOld * 60_000).toISOString(),
      market: { liquidity_usd: liquidity, price_usd: 1, price_change: { h24: seq } }, analysis: { reasons: [] } },
  };
}

test("the query string round-trips and refuses what it does not know", () => {
  const state = parseQuery("?q=pepe&chain=base&verdict=notrisky&minLiq=10000&maxAge=60&watch=1&sort=liquidity&dir=asc", CHAINS);
  assert.deepEqual(state, { q: "pepe", chain: "base", verdict: "notrisky", minLiq: 10000, maxAge: 60, watch: true, sort: "liquidity", dir: "asc" });
  assert.equal(toQuery(state), "?q=pepe&chain=base&verdict=notrisky&minLiq=10000&maxAge=60&watch=1&sort=liquidity&dir=asc");
  assert.deepEqual(parseQuery("?chain=tron&verdict=<x>&sort=__proto__&minLiq=-5&maxAge=abc", CHAINS), { ...DEFAULTS });
  assert.equal(toQuery({ ...DEFAULTS }), "");
});

test("filters combine chain, verdict, liquidity, age, watchlist and text", () => {
  const rows = [
    rowOf(record(1, { chain: "base", level: "safe", liquidity: 50_000, minutesOld: 10 }), NOW),
    rowOf(record(2, { chain: "bsc", level: "risky", liquidity: 500, minutesOld: 120, name: "Pepe Moon" }), NOW),
    rowOf(record(3, { chain: "base", level: "unknown", liquidity: null, minutesOld: 5 }), NOW),
  ];
  const keep = (query, watched = new Set()) => rows.filter((r) => passes(r, parseQuery(query, CHAINS), watched, NOW)).map((r) => r.seq);
  assert.deepEqual(keep("?chain=base"), [1, 3]);
  assert.deepEqual(keep("?verdict=notrisky"), [1, 3]);
  assert.deepEqual(keep("?verdict=risky"), [2]);
  assert.deepEqual(keep("?minLiq=1000"), [1]); // unknown liquidity never passes a minimum
  assert.deepEqual(keep("?maxAge=15"), [1, 3]);
  assert.deepEqual(keep("?q=PEPE"), [2]);
  assert.deepEqual(keep("?q=0x0000000000000000000000000000000000000003"), [3]);
  assert.deepEqual(keep("?watch=1", new Set([rows[1].key])), [2]);
});

test("sorting puts unknown values last and breaks ties newest first", () => {
  const rows = [10_000, null, 50_000, 10_000].map((liquidity, i) => rowOf(record(i + 1, { liquidity }), NOW));
  const order = (query) => visibleRows(rows, parseQuery(query, CHAINS), new Set(), NOW).map((r) => r.seq);
  assert.deepEqual(order("?sort=liquidity"), [3, 4, 1, 2]);
  assert.deepEqual(order("?sort=liquidity&dir=asc"), [4, 1, 3, 2]);
  assert.deepEqual(order(""), [4, 3, 2, 1]);
  assert.deepEqual(order("?sort=age&dir=asc"), [4, 3, 2, 1]); // same age: newest first
});

test("only http(s) links and upstream image hosts get through", () => {
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl("data:text/html,x"), null);
  assert.equal(safeUrl("/relative"), null);
  assert.equal(safeUrl("https://x.com/ok"), "https://x.com/ok");
  assert.equal(safeImage("https://dd.dexscreener.com/ds-data/tokens/base/x.png"), "https://dd.dexscreener.com/ds-data/tokens/base/x.png");
  assert.equal(safeImage("https://tracker.example/pixel.png"), null);
  assert.equal(safeImage("http://dd.dexscreener.com/x.png"), null);
});

test("CSV cells are quoted and never start a formula", () => {
  assert.equal(csvCell("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  assert.equal(csvCell("+1"), "\"'+1\"");
  assert.equal(csvCell("@SUM(A1)"), "\"'@SUM(A1)\"");
  assert.equal(csvCell(-4.5), "-4.5");
  assert.equal(csvCell(null), "");
  const csv = toCsv([rowOf(record(7, { name: "-cmd|' /C calc'!A0" }), NOW)]);
  const [header, line] = csv.trim().split("\r\n");
  assert.ok(header.startsWith("seq,chain,address,name,symbol,verdict"));
  assert.ok(line.includes("\"'-cmd|' /C calc'!A0\""));
});

test("a token's own links never point inside this network, carry credentials or borrow our labels", async () => {
  const { tokenLink } = await import("../../../static/js/dashboard/model.js");
  assert.deepEqual(tokenLink({ kind: "website", url: "https://frog.example/" }), { href: "https://frog.example/", label: "Web" });
  assert.deepEqual(tokenLink({ kind: "ds", label: "DS", url: "https://phish.example/x" }), { href: "https://phish.example/x", label: "phish.example" });
  assert.equal(tokenLink({ kind: "website", url: "https://dexscreener.com@phish.example/" }), null);
  assert.equal(tokenLink({ kind: "website", url: "http://127.0.0.1:5000/admin" }), null);
  assert.equal(tokenLink({ kind: "website", url: "http://192.168.1.1/" }), null);
  assert.equal(tokenLink({ kind: "website", url: "http://[::1]/" }), null);
  assert.equal(tokenLink({ kind: "website", url: "javascript:alert(1)" }), null);
});
