// What the grid shows of a TokenRecord, read defensively: every field comes from strangers. Pure, no DOM.

const LEVELS = new Set(["safe", "risky", "unknown"]);
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
export const PUMP_SOURCE = "pumpportal.stream";
const POOLS = new Set(["pump", "bonk", "pump-amm"]);
// The server's rules, for highlighting: a creator's launches in 24 h that make it a serial launcher, and a creator's
// launch buy (share of the supply) that is high.
export const SERIAL_LAUNCHES = 3;
export const LAUNCH_BUY_HIGH = 0.2;
const IMAGE_HOSTS = new Set([
  "dd.dexscreener.com", "cdn.dexscreener.com", "assets.geckoterminal.com",
  "coin-images.coingecko.com", "assets.coingecko.com",
]);

function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function text(value, max = 200) {
  return typeof value === "string" ? value.slice(0, max) : "";
}

/** An http(s) URL, normalised, or null (javascript:, data:, relative and malformed links are dropped). */
export function safeUrl(raw) {
  if (typeof raw !== "string" || raw.length > 2048) return null;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A token image only from the upstreams' own image hosts, over https (no tracking pixel from a stranger). */
export function safeImage(raw) {
  const href = safeUrl(raw);
  if (!href) return null;
  const url = new URL(href);
  return url.protocol === "https:" && IMAGE_HOSTS.has(url.hostname) ? href : null;
}

/** When the token's pool was created (ms since the epoch), or null. */
export function createdAt(record) {
  const data = record.token_data || {};
  const created = Date.parse(data.pool_created_at || data.market?.pair_created_at || "");
  return Number.isFinite(created) ? created : null;
}

/** A base58 string of `min` to `max` characters (a Solana address or signature), or null. */
export function base58(value, min = 32, max = 44) {
  return typeof value === "string" && value.length >= min && value.length <= max && BASE58.test(value) ? value : null;
}

function fraction(value) {
  const n = num(value);
  return n !== null && n >= 0 && n <= 1 ? n : null;
}

function nonNegative(value) {
  const n = num(value);
  return n !== null && n >= 0 ? n : null;
}

/**
 * What the pump.fun stream said of a token's launch, every field checked (null: not said or not believable),
 * or null for a token the stream never announced. `launchpad` is what a trader calls it: "pump.fun", "bonk"
 * or "graduated" (left its curve for a DEX pool).
 */
export function launchOf(data) {
  const raw = data.launch && typeof data.launch === "object" && !Array.isArray(data.launch) ? data.launch : null;
  const sources = Array.isArray(data.sources) ? data.sources : [];
  if (!raw && !sources.includes(PUMP_SOURCE)) return null;
  const launch = raw || {};
  const pool = POOLS.has(launch.pool) ? launch.pool : null;
  const migrated = launch.migrated === true || pool === "pump-amm";
  const launches = num(launch.creator_launches_24h);
  return {
    launchpad: migrated ? "graduated" : pool === "bonk" ? "bonk" : "pump.fun",
    pool,
    migrated,
    progress: migrated ? 1 : fraction(launch.progress),
    marketCapSol: nonNegative(launch.market_cap_sol),
    creator: base58(launch.creator),
    creatorBuyShare: fraction(launch.creator_buy_share),
    creatorBuySol: nonNegative(launch.creator_buy_sol),
    creatorLaunches: launches !== null && Number.isInteger(launches) && launches >= 1 ? launches : null,
    signature: base58(launch.signature, 32, 88),
    metadataUri: httpsUrl(launch.metadata_uri),
  };
}

/** The figures of one row. */
export function rowOf(record, now) {
  const data = record.token_data || {};
  const market = data.market || {};
  const analysis = data.analysis || {};
  const change = market.price_change || {};
  const txns = market.txns?.h24 || {};
  const reasons = Array.isArray(analysis.reasons) ? analysis.reasons : [];
  const created = createdAt(record);
  return {
    seq: record.seq,
    key: `${record.token_chain}:${record.token_address}`,
    chain: text(record.token_chain, 32),
    address: text(record.token_address, 64),
    name: text(data.name || market.name) || "?",
    symbol: text(data.symbol || market.symbol, 40) || "?",
    icon: safeImage(data.icon || market.image_url),
    created,
    age: created === null ? null : Math.max(0, now - created), // at `now`; sort and filter use `created`
    price: num(market.price_usd),
    m5: num(change.m5),
    h1: num(change.h1),
    h24: num(change.h24),
    liquidity: num(market.liquidity_usd),
    mcap: num(market.market_cap) ?? num(market.fdv),
    mcapIsFdv: num(market.market_cap) === null && num(market.fdv) !== null,
    volume: num(market.volume?.h24),
    buys: num(txns.buys),
    sells: num(txns.sells),
    level: LEVELS.has(record.risk_level) ? record.risk_level : "unknown",
    score: num(record.risk_score) ?? num(analysis.score),
    mode: text(analysis.mode, 16),
    reasons: reasons.filter((r) => r && typeof r.label === "string"),
    pages: data.pages || {},
    links: (Array.isArray(data.links) ? data.links : []).slice(0, 8),
    scannedAt: record.scanned_at,
    launch: launchOf(data),
  };
}

const PRIVATE_HOST = /^(localhost|.*\.local|.*\.internal|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|0\.|\[)/i;
const KIND_LABELS = { website: "Web", twitter: "X", telegram: "TG", discord: "Discord" };

/** An https URL that reaches neither this machine's network nor carries credentials, or null. */
export function httpsUrl(raw) {
  const href = safeUrl(raw);
  if (!href) return null;
  const url = new URL(href);
  if (url.protocol !== "https:" || url.username || url.password || PRIVATE_HOST.test(url.hostname)) return null;
  return href;
}

/**
 * A token's own link as {href, label}, or null. Strangers' links never reach this machine's network or
 * carry credentials, and their label is ours (the kind, else the host): a stranger cannot name a link "DS".
 */
export function tokenLink(link) {
  const href = safeUrl(link?.url);
  if (!href) return null;
  const url = new URL(href);
  if (url.username || url.password || PRIVATE_HOST.test(url.hostname)) return null;
  const kind = text(link?.kind, 20).toLowerCase();
  return { href, label: KIND_LABELS[kind] || url.hostname.replace(/^www\./, "").slice(0, 40) };
}
