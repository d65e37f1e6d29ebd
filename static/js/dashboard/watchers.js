// Watchers made from the dashboard's filters, and how watchers and signals read. Pure, no DOM.
import * as fmt from "./format.js";
import { rowOf } from "./model.js";

/** The verdict filter's levels, as the server's `levels` rule. */
export const LEVELS_OF = Object.freeze({ safe: ["safe"], notrisky: ["safe", "unknown"], unknown: ["unknown"], risky: ["risky"] });

/** The flags a watcher may exclude (the server's `exclude_flags`), as a trader reads them. */
export const FLAG_LABELS = Object.freeze({
  honeypot: "Honeypot", mintable: "Mintable", proxy: "Proxy contract", hidden_owner: "Hidden owner",
  blacklist: "Blacklist", pausable: "Pausable transfers", tax_modifiable: "Changeable tax",
  freezable: "Freeze authority", metadata_mutable: "Mutable metadata", closed_source: "Unverified source",
  unlocked_lp: "Unlocked liquidity",
});

/** What an owner key looks like (the server refuses anything else). */
export const KEY_FORMAT = /^[A-Za-z0-9_-]{32,64}$/;
export const NAME_MAX = 64;
const SIGNALS_MAX = 300;
const ADDRESS_LIKE = /^(0x[0-9a-f]{8,}|[1-9A-HJ-NP-Za-km-z]{32,44})$/i;

/** The server rules of a view state (chain, verdict, liquidity, age, search); the watchlist cannot be one. */
export function rulesFromFilters(state) {
  const rules = {};
  if (state.chain) rules.chains = [state.chain];
  if (LEVELS_OF[state.verdict]) rules.levels = [...LEVELS_OF[state.verdict]];
  if (state.minLiq) rules.min_liquidity_usd = state.minLiq;
  if (state.maxAge) rules.max_age_minutes = state.maxAge;
  const pattern = String(state.q || "").trim().toLowerCase();
  if (pattern) rules.pattern = pattern;
  return rules;
}

function canonical(rules) {
  return JSON.stringify(Object.keys(rules || {}).sort().map((name) => {
    const value = rules[name];
    return [name, Array.isArray(value) ? [...value].sort() : value];
  }));
}

/** Whether two sets of rules say the same (the server keeps lists sorted and leaves unused rules out). */
export function sameRules(a, b) {
  return canonical(a) === canonical(b);
}

/** Where a watcher of these filters would differ from the grid, said plainly (nothing is dropped silently). */
export function filterNotes(state) {
  const notes = [];
  const q = String(state.q || "").trim();
  if (state.watch) notes.push("★ Watchlist is kept in this browser only: the server cannot use it, so the watcher ignores it.");
  if (state.pump) notes.push("pump.fun only is not a watcher rule yet: the watcher signals tokens from every source.");
  if (ADDRESS_LIKE.test(q)) notes.push("The search looks like an address: the server matches names and symbols only.");
  else if (/[*?]/.test(q)) notes.push("On the server * and ? are wildcards: the pattern must then match the whole name or symbol.");
  if (!Object.keys(rulesFromFilters(state)).length) notes.push("No filter is set: the watcher signals every new token.");
  return notes;
}

function minutes(value) {
  if (value % 1440 === 0) return `${value / 1440} d`;
  if (value % 60 === 0) return `${value / 60} h`;
  return `${Number(value.toFixed(1))} m`;
}

function list(value) {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** One line of rules: "“pepe” · base · safe or unknown · liq ≥ $10K · ≤ 1 h old". */
export function rulesSummary(rules) {
  const r = rules && typeof rules === "object" ? rules : {};
  const parts = [];
  if (typeof r.pattern === "string") parts.push(`“${r.pattern}”`);
  if (list(r.chains).length) parts.push(list(r.chains).join(", "));
  if (list(r.levels).length) parts.push(list(r.levels).join(" or "));
  if (finite(r.max_score)) parts.push(`score ≤ ${r.max_score}`);
  if (finite(r.min_liquidity_usd)) parts.push(`liq ≥ ${fmt.usd(r.min_liquidity_usd)}`);
  if (finite(r.max_age_minutes)) parts.push(`≤ ${minutes(r.max_age_minutes)} old`);
  if (finite(r.min_buys_h1)) parts.push(`≥ ${fmt.count(r.min_buys_h1)} buys/h`);
  const flags = list(r.exclude_flags);
  if (flags.length) parts.push(`no ${flags.map((f) => (FLAG_LABELS[f] || f).toLowerCase()).join(", ")}`);
  const what = r.risk_changed ? "verdict changes" : "new tokens";
  return parts.length ? `${r.risk_changed ? `${what}: ` : ""}${parts.join(" · ")}` : `every ${what.replace(/s$/, "")}`;
}

/** A watcher's default name: its rules in a line, cut to what the server keeps. */
export function defaultName(rules) {
  const text = rulesSummary(rules);
  const name = text.charAt(0).toUpperCase() + text.slice(1);
  return name.length > NAME_MAX ? `${name.slice(0, NAME_MAX - 1)}…` : name;
}

/** A Telegram chat as the server takes it: a whole number, else the text (an @name); null when empty. */
export function telegramChat(raw) {
  const text = String(raw || "").trim();
  if (!text) return null;
  return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
}

/** A watcher from the server, read defensively. */
export function readWatcher(raw) {
  if (!raw || typeof raw.id !== "string") return null;
  return {
    id: raw.id.slice(0, 32),
    name: typeof raw.name === "string" ? raw.name.slice(0, NAME_MAX) : "Watcher",
    rules: raw.rules && typeof raw.rules === "object" ? raw.rules : {},
    webhook: typeof raw.webhook_url === "string" ? raw.webhook_url : null,
    telegram: raw.telegram_chat_id === null || raw.telegram_chat_id === undefined ? null : String(raw.telegram_chat_id),
  };
}

/** Where a watcher's signals go besides this page, in a few words. */
export function deliverySummary(watcher) {
  const parts = [];
  if (watcher.webhook) {
    try {
      parts.push(`webhook ${new URL(watcher.webhook).host}`);
    } catch {
      parts.push("webhook");
    }
  }
  if (watcher.telegram) parts.push(`Telegram ${watcher.telegram}`);
  return parts.join(" · ");
}

/** A signal (from the socket or the history), read defensively; null when it is not one. */
export function readSignal(raw, now = Date.now()) {
  const token = raw?.token;
  if (!raw || typeof raw.watcher_id !== "string" || !token || !Number.isInteger(token.seq)) return null;
  const at = Date.parse(raw.at || "");
  const matched = Array.isArray(raw.matched) ? raw.matched.filter((m) => typeof m === "string") : [];
  return {
    id: typeof raw.id === "string" ? raw.id : `${raw.watcher_id}|${token.seq}|${raw.at}`,
    watcherId: raw.watcher_id,
    watcherName: typeof raw.watcher_name === "string" ? raw.watcher_name.slice(0, NAME_MAX) : "",
    row: rowOf(token, now),
    matched: matched.slice(0, 12).map((m) => m.slice(0, 200)),
    at: Number.isFinite(at) ? at : now,
  };
}

/** Signals merged newest first, each once, at most SIGNALS_MAX. */
export function mergeSignals(current, incoming) {
  const byId = new Map(current.map((s) => [s.id, s]));
  for (const signal of incoming) if (signal && !byId.has(signal.id)) byId.set(signal.id, signal);
  return [...byId.values()].sort((a, b) => b.at - a.at || b.row.seq - a.row.seq).slice(0, SIGNALS_MAX);
}

/** When a signal was made: the time of day today, else the date too. */
export function when(ms, now = Date.now()) {
  const date = new Date(ms);
  const time = fmt.clock(date.toISOString());
  if (date.toDateString() === new Date(now).toDateString()) return time;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}
