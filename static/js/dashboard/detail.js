// The detail panel of one token: every reason with the evidence it read, security, market, indicators, history.
import { el, externalLink } from "../dom.js";
import * as fmt from "./format.js";
import { LAUNCH_BUY_HIGH, SERIAL_LAUNCHES, rowOf } from "./model.js";
import { curveBar, linkList } from "./view.js";

// flag -> [said when it is bad, said when it is fine, the value that is bad (null: informative only)]
const FLAGS = {
  is_honeypot: ["Honeypot", "Not a honeypot", true], cannot_sell_all: ["Cannot sell all", "Can sell all", true],
  cannot_buy: ["Cannot buy", "Can buy", true], is_mintable: ["Mintable", "Not mintable", true],
  is_proxy: ["Proxy contract", "Not a proxy", true], hidden_owner: ["Hidden owner", "No hidden owner", true],
  can_take_back_ownership: ["Can take back ownership", "Cannot take back ownership", true],
  owner_change_balance: ["Owner can change balances", "Owner cannot change balances", true],
  selfdestruct: ["Can self-destruct", "No self-destruct", true], external_call: ["External calls", "No external calls", true],
  transfer_pausable: ["Transfers pausable", "Transfers not pausable", true],
  trading_cooldown: ["Trading cooldown", "No trading cooldown", true], is_blacklisted: ["Has a blacklist", "No blacklist", true],
  slippage_modifiable: ["Tax can be changed", "Tax fixed", true],
  personal_slippage_modifiable: ["Per-wallet tax", "No per-wallet tax", true],
  freezable: ["Freeze authority", "No freeze authority", true], closable: ["Closable", "Not closable", true],
  metadata_mutable: ["Metadata mutable", "Metadata fixed", true], non_transferable: ["Non-transferable", "Transferable", true],
  transfer_hook: ["Transfer hook", "No transfer hook", true], is_open_source: ["Source not verified", "Source verified", false],
  is_in_dex: ["Not listed on a DEX", "Listed on a DEX", false], trusted_token: ["Not on the trust list", "On the trust list", null],
};
const MODES = { fraud: "launch checks (under 2 h old)", market: "market checks (older, with indicators)" };
const DASH = "—";

function section(title, ...content) {
  return el("section", { class: "detail-section" }, el("h3", {}, title), ...content);
}

function pairs(entries) {
  const dl = el("dl", { class: "facts" });
  for (const [label, value] of entries) {
    if (value === undefined) continue;
    dl.append(el("dt", {}, label), el("dd", {}, value === null || value === "" ? DASH : value));
  }
  return dl;
}

const SHARE_KEY = /(percent|share|tax)$/;

function evidenceValue(value, key = "") {
  if (value === null || value === undefined) return "unknown";
  if (typeof value === "number") {
    if (SHARE_KEY.test(key) && Math.abs(value) <= 1.5) return fmt.share(value);
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "object") return JSON.stringify(value).slice(0, 200);
  return String(value).slice(0, 200);
}

function reasonItem(reason) {
  const severity = String(reason.severity || "info").replace(/[^a-z]/g, "");
  const evidence = Object.entries(reason.evidence || {}).slice(0, 12);
  return el("li", { class: `reason-item sev-${severity}` },
    el("span", { class: `pill sev-${severity}` }, severity),
    el("span", { class: "reason-label" }, String(reason.label)),
    Number.isFinite(reason.points) ? el("span", { class: "points" }, `+${reason.points}`) : null,
    evidence.length ? el("span", { class: "evidence" },
      evidence.map(([key, value]) => el("code", {}, `${key.replace(/_/g, " ")} = ${evidenceValue(value, key)}`))) : null);
}

/** Why the level is what it is, in one sentence. */
export function verdictRule(level, score, reasons) {
  const grave = reasons.filter((r) => r.severity === "critical" || r.severity === "high").length;
  if (level === "risky") {
    return grave ? `risky: ${grave} serious finding${grave > 1 ? "s" : ""}` : `risky: score ${score} is 40 or more`;
  }
  if (level === "safe") return `safe: score ${score ?? 0} under 40, no serious finding, every key check known`;
  return "unknown: a key check could not be made, so it is not called safe";
}

function verdictSection(record, row) {
  const analysis = record.token_data?.analysis || {};
  const reasons = row.reasons;
  const missing = Array.isArray(analysis.missing) ? analysis.missing : [];
  const summary = `${verdictRule(row.level, row.score, reasons)} · ${MODES[row.mode] || row.mode || "?"} · rules ${analysis.rules_version || "?"}`;
  return section("Verdict",
    el("p", { class: `verdict-line level-${row.level}` }, summary),
    missing.length ? el("p", { class: "missing" }, `Not verified (never called safe without it): ${missing.join(", ")}`) : null,
    reasons.length ? el("ol", { class: "reason-list" }, reasons.map(reasonItem))
      : el("p", { class: "muted" }, row.level === "safe" ? "Every check passed." : "No finding."));
}

const WINDOWS = [["m5", "5m"], ["h1", "1h"], ["h6", "6h"], ["h24", "24h"]];

function windowTable(m) {
  const row = (label, get) => el("tr", {}, el("th", { scope: "row" }, label), WINDOWS.map(([key]) => el("td", {}, get(key))));
  return el("table", { class: "windows" },
    el("thead", {}, el("tr", {}, el("th", {}), WINDOWS.map(([, label]) => el("th", { scope: "col" }, label)))),
    el("tbody", {},
      row("Change", (k) => fmt.percent(m.price_change?.[k])),
      row("Volume", (k) => fmt.usd(m.volume?.[k])),
      row("Buys", (k) => fmt.count(m.txns?.[k]?.buys)),
      row("Sells", (k) => fmt.count(m.txns?.[k]?.sells))));
}

function pairCreated(iso) {
  const time = Date.parse(iso || "");
  return Number.isFinite(time) ? `${fmt.clock(iso)} (${fmt.age(Date.now() - time)} ago)` : null;
}

function marketSection(record) {
  const m = record.token_data?.market;
  if (!m) return section("Market", el("p", { class: "muted" }, "No market data: DexScreener did not list a pair."));
  return section(`Market, as of ${fmt.clock(record.scanned_at)}`, pairs([
    ["Price", fmt.price(m.price_usd)], ["Liquidity", fmt.usd(m.liquidity_usd)],
    ["Market cap", fmt.usd(m.market_cap)], ["FDV", fmt.usd(m.fdv)],
    ["DEX", String(m.dex_id || "")], ["Quote", String(m.quote_symbol || "")],
    ["Pair", String(m.pair_address || "")], ["Pair created", pairCreated(m.pair_created_at)],
  ]), windowTable(m));
}

function indicatorSection(record) {
  const e = record.token_data?.analysis?.evidence || {};
  if (e.rsi === null && e.macd_histogram === null && e.volume_trend === null) return null;
  if (e.rsi === undefined && e.macd_histogram === undefined) return null;
  const fixed = (value, digits) => (typeof value === "number" ? value.toFixed(digits) : null);
  return section("Indicators (5-minute candles)", pairs([
    ["RSI 14", fixed(e.rsi, 1)],
    ["MACD histogram", typeof e.macd_histogram === "number" ? evidenceValue(e.macd_histogram) : null],
    ["Volume trend", typeof e.volume_trend === "number" ? `×${e.volume_trend.toFixed(2)}` : null],
    ["Candles", e.candles === undefined ? undefined : String(e.candles)],
  ]));
}

const POOL_LABELS = { pump: "pump.fun bonding curve", bonk: "Bonk bonding curve (letsbonk.fun)", "pump-amm": "PumpSwap pool (pump-amm)" };

/** A link to Solscan: `kind` "account" or "tx", `id` already checked as base58. */
function solscan(kind, id, title) {
  return externalLink(`https://solscan.io/${kind}/${id}`, fmt.shortAddress(id), title);
}

function curveLine(launch) {
  if (launch.migrated) return el("span", { class: "curve-line" }, curveBar(1), " 100% · graduated");
  if (launch.progress === null) return null;
  return el("span", { class: "curve-line" }, curveBar(launch.progress), ` ${fmt.share(launch.progress)} sold`,
    launch.progress >= 0.8 ? el("span", { class: "muted" }, " · close to graduating") : null);
}

function creatorBuy(launch) {
  if (launch.creatorBuyShare === null && launch.creatorBuySol === null) return null;
  const high = launch.creatorBuyShare !== null && launch.creatorBuyShare >= LAUNCH_BUY_HIGH;
  const sol = launch.creatorBuySol === null ? "" : ` (${fmt.sol(launch.creatorBuySol)})`;
  const share = launch.creatorBuyShare === null ? "an unknown share" : fmt.share(launch.creatorBuyShare);
  return el("span", { class: high ? "launch-warn" : null }, `${share} at launch${sol}`);
}

/** The creator's account, and how many tokens it launched in 24 h (a serial launcher from SERIAL_LAUNCHES). */
function creator(launch) {
  const n = launch.creatorLaunches;
  const link = launch.creator ? solscan("account", launch.creator, `Creator ${launch.creator} on Solscan`) : null;
  if (n === null) return link;
  const serial = n >= SERIAL_LAUNCHES;
  const count = el("span", { class: serial ? "launch-warn serial-launcher" : "creator-launches" },
    `${n} launch${n === 1 ? "" : "es"} in 24 h${serial ? ": serial launcher" : ""}`);
  return el("span", { class: "creator-fact" }, link || "unknown account", count);
}

/** What the pump.fun stream said of the launch; every value was checked by launchOf (base58, https, finite). */
function launchSection(launch) {
  if (!launch) return null;
  return section("Launch", pairs([
    ["Launchpad", launch.pool ? POOL_LABELS[launch.pool] : launch.launchpad],
    [launch.migrated ? "Curve" : "Curve at launch", curveLine(launch)], // the stream tells these once, at creation
    ["Market cap at launch", launch.marketCapSol === null ? null : fmt.sol(launch.marketCapSol)],
    ["Creator", creator(launch)],
    ["Creator bought", creatorBuy(launch)],
    ["Migrated", launch.migrated ? "yes: trades in a DEX pool" : "no: still on its curve"],
    ["Creation tx", launch.signature ? solscan("tx", launch.signature, `Creation transaction ${launch.signature} on Solscan`) : null],
    ["Metadata", launch.metadataUri ? externalLink(launch.metadataUri, `JSON on ${new URL(launch.metadataUri).hostname}`, launch.metadataUri) : null],
  ]));
}

function flagChips(flags) {
  const known = [];
  const unknown = [];
  for (const [key, [badLabel, fineLabel, bad]] of Object.entries(FLAGS)) {
    if (!(key in flags)) continue;
    const value = flags[key];
    if (value === null || value === undefined) {
      unknown.push(badLabel.toLowerCase());
      continue;
    }
    const isBad = bad !== null && value === bad;
    const state = bad === null ? "neutral" : isBad ? "bad" : "good";
    const label = bad === null ? (value ? fineLabel : badLabel) : isBad ? badLabel : fineLabel;
    known.push(el("li", { class: `flag ${state}`, title: `${key} = ${value}` }, `${isBad ? "✗" : bad === null ? "·" : "✓"} ${label}`));
  }
  return [
    el("ul", { class: "flags" }, known),
    unknown.length ? el("p", { class: "muted flags-unknown" }, `Not reported for this token: ${unknown.join(", ")}`) : null,
  ];
}

function holderTable(title, holders) {
  if (!Array.isArray(holders) || !holders.length) return null;
  return el("table", { class: "holders" }, el("caption", {}, title),
    el("tbody", {}, holders.slice(0, 10).map((h) => el("tr", {},
      el("td", {}, el("code", { title: String(h.address || "") }, fmt.shortAddress(h.address))),
      el("td", {}, fmt.share(h.percent)),
      el("td", {}, [h.tag ? String(h.tag).slice(0, 40) : "", h.is_locked ? " 🔒 locked" : "", h.is_contract ? " contract" : ""].join(""))))));
}

function securitySection(record) {
  const s = record.token_data?.security;
  if (!s) return section("Security", el("p", { class: "muted" }, "No security report: GoPlus did not answer for this token."));
  if (s.indexed === false) return section("Security", el("p", { class: "muted" }, "GoPlus does not know this token yet."));
  return section("Security", pairs([
    ["Buy / sell tax", `${fmt.share(s.buy_tax)} / ${fmt.share(s.sell_tax)}`],
    ["Transfer tax", s.transfer_tax === null || s.transfer_tax === undefined ? undefined : fmt.share(s.transfer_tax)],
    ["Holders", fmt.count(s.holder_count)], ["LP holders", fmt.count(s.lp_holder_count)],
    ["Owner", s.owner_address ? `${fmt.shortAddress(s.owner_address)} (${fmt.share(s.owner_percent)})` : null],
    ["Creator", s.creator_address ? `${fmt.shortAddress(s.creator_address)} (${fmt.share(s.creator_percent)})` : null],
    ["Creator's honeypots", s.creator_honeypots === null || s.creator_honeypots === undefined ? undefined : String(s.creator_honeypots)],
  ]), flagChips(s.flags || {}), holderTable("Top holders", s.top_holders), holderTable("Liquidity holders", s.lp_holders));
}

function historySection(record) {
  const entries = Array.isArray(record.token_data?.history) ? record.token_data.history : [];
  if (!entries.length) return section("History", el("p", { class: "muted" }, "No change since it was first seen."));
  return section("History", el("ol", { class: "history" }, entries.slice().reverse().map((entry) => el("li", {},
    el("time", { datetime: String(entry?.at || "") }, fmt.clock(entry?.at)), " ",
    (Array.isArray(entry?.changes) ? entry.changes : []).map((c) => String(c?.label || "")).join("; ")))));
}

/** Fill the panel for `record`; `ctx` has the watchlist, and the copy, watch and close actions. */
export function renderDetail(panel, record, ctx) {
  const row = rowOf(record, Date.now());
  const data = record.token_data || {};
  const watched = ctx.watched.has(row.key);
  const parts = [
    el("header", { class: "detail-head" },
      el("h2", { id: "detail-title" }, el("span", {}, row.name), " ", el("span", { class: "symbol" }, row.symbol)),
      el("button", { type: "button", class: "close", "aria-label": "Close details", on: { click: ctx.close } }, "×")),
    el("p", { class: "detail-meta" }, el("span", { class: "chip" }, row.chain), " ",
      el("span", { class: `verdict level-${row.level}` }, `${row.level} ${row.score ?? ""}`), " ",
      el("span", { class: "muted" }, `#${row.seq} · first seen ${fmt.clock(row.scannedAt)} · age ${fmt.age(row.age)}`)),
    el("p", { class: "detail-address" }, el("code", {}, row.address),
      el("button", { type: "button", class: "copy", on: { click: () => ctx.copy(row) } }, "Copy"),
      el("button", { type: "button", class: "watch-button", "aria-pressed": String(watched), on: { click: () => ctx.watch(row) } },
        watched ? "★ Watching" : "☆ Watch")),
    el("p", { class: "links" }, linkList(row)),
    verdictSection(record, row),
    launchSection(row.launch),
    marketSection(record),
    indicatorSection(record),
    securitySection(record),
    historySection(record),
    section("Seen by", el("p", {}, (Array.isArray(data.sources) ? data.sources : []).map(String).join(", ") || DASH)),
    data.description ? section("Description", el("p", { class: "description" }, String(data.description).slice(0, 1000))) : null,
  ];
  panel.replaceChildren(...parts.filter(Boolean));
}
