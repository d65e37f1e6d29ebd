// The view's state: filters and sort (kept in the URL), and the watchlist (kept in the browser). Pure but for storage.

export const COLUMNS = [
  // key, header, sort accessor (null: not sortable), numeric
  { key: "watch", label: "★", title: "Watchlist", sort: null },
  { key: "name", label: "Token", sort: (r) => r.name.toLowerCase() },
  { key: "age", label: "Age", sort: (r) => (r.created === null ? null : -r.created), numeric: true },
  { key: "price", label: "Price", sort: (r) => r.price, numeric: true },
  { key: "m5", label: "5m", sort: (r) => r.m5, numeric: true },
  { key: "h1", label: "1h", sort: (r) => r.h1, numeric: true },
  { key: "h24", label: "24h", sort: (r) => r.h24, numeric: true },
  { key: "liquidity", label: "Liquidity", sort: (r) => r.liquidity, numeric: true },
  { key: "mcap", label: "MCap", title: "Market cap, or FDV when the market cap is unknown", sort: (r) => r.mcap, numeric: true },
  { key: "volume", label: "Vol 24h", sort: (r) => r.volume, numeric: true },
  { key: "txns", label: "Buys/Sells", title: "Transactions in 24 h", sort: (r) => (r.buys ?? 0) + (r.sells ?? 0) || null, numeric: true },
  { key: "verdict", label: "Verdict", sort: (r) => r.score, numeric: true },
  { key: "why", label: "Why", sort: null },
  { key: "links", label: "Links", sort: null },
];
const CHAIN_SORT = { key: "chain", label: "Chain", sort: (r) => r.chain };
// pump.fun tokens by how far along their bonding curve (nearest to graduating first); other tokens last.
const CURVE_SORT = { key: "curve", label: "pump.fun curve", sort: (r) => r.launch?.progress ?? null };
export const SORTS = [{ key: "seq", label: "Recently discovered" }, ...COLUMNS.filter((c) => c.sort), CHAIN_SORT, CURVE_SORT];
const SORT_KEYS = new Set(SORTS.map((s) => s.key));
const VERDICTS = new Set(["", "safe", "risky", "unknown", "notrisky"]);
const WATCH_KEY = "tokenDiscovery.watchlist";

// `pump` ("pump.fun only") is set only when on: a state without it shows every source.
export const DEFAULTS = Object.freeze({ q: "", chain: "", verdict: "", minLiq: null, maxAge: null, watch: false, sort: "seq", dir: "desc" });

function positive(raw) {
  const n = Number(raw);
  return raw !== null && raw !== "" && Number.isFinite(n) && n > 0 ? n : null;
}

/** The view state from a query string; anything unknown falls back to its default. */
export function parseQuery(search, chains) {
  const params = new URLSearchParams(search);
  const chain = params.get("chain") || "";
  const verdict = params.get("verdict") || "";
  const sort = params.get("sort") || DEFAULTS.sort;
  return {
    q: (params.get("q") || "").slice(0, 100),
    chain: chains.includes(chain) ? chain : "",
    verdict: VERDICTS.has(verdict) ? verdict : "",
    minLiq: positive(params.get("minLiq")),
    maxAge: positive(params.get("maxAge")),
    watch: params.get("watch") === "1",
    sort: SORT_KEYS.has(sort) ? sort : DEFAULTS.sort,
    dir: params.get("dir") === "asc" ? "asc" : "desc",
    ...(params.get("pump") === "1" ? { pump: true } : {}),
  };
}

/** The query string of a state; defaults are left out so a plain view has a plain URL. */
export function toQuery(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.chain) params.set("chain", state.chain);
  if (state.verdict) params.set("verdict", state.verdict);
  if (state.minLiq) params.set("minLiq", String(state.minLiq));
  if (state.maxAge) params.set("maxAge", String(state.maxAge));
  if (state.watch) params.set("watch", "1");
  if (state.pump) params.set("pump", "1");
  if (state.sort !== DEFAULTS.sort) params.set("sort", state.sort);
  if (state.dir !== DEFAULTS.dir) params.set("dir", state.dir);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Whether a row passes the filters at `now` (`watched`: the set of watched keys). */
export function passes(row, state, watched, now = Date.now()) {
  if (state.chain && row.chain !== state.chain) return false;
  if (state.verdict === "notrisky" ? row.level === "risky" : state.verdict && row.level !== state.verdict) return false;
  if (state.minLiq && !(row.liquidity >= state.minLiq)) return false;
  if (state.maxAge && !(row.created !== null && now - row.created <= state.maxAge * 60000)) return false;
  if (state.watch && !watched.has(row.key)) return false;
  if (state.pump && !row.launch) return false;
  if (state.q) {
    const needle = state.q.trim().toLowerCase();
    const hay = `${row.name}\u0000${row.symbol}\u0000${row.address}`.toLowerCase();
    if (needle && !hay.includes(needle)) return false;
  }
  return true;
}

/** Rows that pass, sorted; unknown values always last, ties newest first. */
export function visibleRows(rows, state, watched, now = Date.now()) {
  const column = SORTS.find((s) => s.key === state.sort);
  const get = column?.sort || ((r) => r.seq);
  const sign = state.dir === "asc" ? 1 : -1;
  return rows
    .filter((row) => passes(row, state, watched, now))
    .map((row) => ({ row, value: get(row) }))
    .sort((a, b) => {
      const missingA = a.value === null || a.value === undefined;
      const missingB = b.value === null || b.value === undefined;
      if (missingA !== missingB) return missingA ? 1 : -1;
      if (!missingA && a.value !== b.value) return (a.value < b.value ? -1 : 1) * sign;
      return b.row.seq - a.row.seq;
    })
    .map((entry) => entry.row);
}

/** The watchlist kept in this browser: a set of "chain:address". */
export function loadWatchlist(storage) {
  try {
    const list = JSON.parse(storage.getItem(WATCH_KEY) || "[]");
    return new Set(Array.isArray(list) ? list.filter((k) => typeof k === "string").slice(0, 1000) : []);
  } catch {
    return new Set();
  }
}

/** Save the watchlist. */
export function saveWatchlist(storage, watched) {
  try {
    storage.setItem(WATCH_KEY, JSON.stringify([...watched]));
  } catch {
    // storage full or disabled: the watchlist lives for this page only
  }
}

export { WATCH_KEY };
