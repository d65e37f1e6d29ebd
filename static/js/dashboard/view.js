// The grid's header and rows, built with text nodes and checked attributes only.
import { el, externalLink } from "../dom.js";
import * as fmt from "./format.js";
import { SERIAL_LAUNCHES, safeUrl, tokenLink } from "./model.js";
import { COLUMNS } from "./state.js";

/** The header row: a sort button per sortable column, aria-sort on the active one. */
export function renderHead(row, state, onSort) {
  row.replaceChildren(
    ...COLUMNS.map((column) => {
      const th = el("th", { scope: "col", class: `c-${column.key}`, title: column.title || null });
      if (!column.sort) {
        th.append(el("span", { class: column.key === "watch" ? "sr-only-label" : null }, column.label));
        return th;
      }
      const active = state.sort === column.key;
      if (active) th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
      const arrow = active ? (state.dir === "asc" ? " ▲" : " ▼") : "";
      th.append(el("button", { type: "button", class: "sort", dataset: { sort: column.key },
        on: { click: () => onSort(column.key) } }, column.label, arrow));
      return th;
    }),
  );
}

function avatar(row) {
  const initials = el("span", { class: "avatar initials", "aria-hidden": "true" }, row.symbol.slice(0, 2).toUpperCase());
  if (!row.icon) return initials;
  const img = el("img", { class: "avatar", src: row.icon, alt: "", loading: "lazy", referrerpolicy: "no-referrer",
    width: 28, height: 28 });
  img.addEventListener("error", () => img.replaceWith(initials), { once: true });
  return img;
}

function change(value) {
  return el("span", { class: `chg ${fmt.trend(value)}` }, fmt.percent(value));
}

const MODE_LABELS = { fraud: "launch", market: "market" };

function verdictBadge(row) {
  const score = row.score === null ? "" : String(row.score);
  const rule = row.level === "risky" ? "risky: a serious finding, or a score of 40 or more"
    : row.level === "safe" ? "safe: score under 40, no serious finding, every key check known"
      : "unknown: a key check could not be made";
  return el("span", { class: "verdict-cell" },
    el("span", { class: `verdict level-${row.level}`, title: `Risk score ${score || "?"} of 100 · ${rule}` },
      el("span", { class: "verdict-level" }, row.level), el("span", { class: "verdict-score" }, score)),
    row.mode ? el("span", { class: "verdict-mode",
      title: row.mode === "fraud" ? "Launch checks: under 2 h old, contract and holder checks"
        : "Market checks: older, contract checks plus RSI, MACD and volume" }, MODE_LABELS[row.mode] || row.mode) : null);
}

function reasonsCell(row) {
  const top = row.reasons.slice(0, 2);
  if (!top.length) return el("span", { class: "muted" }, row.level === "safe" ? "No risk found" : "—");
  const all = row.reasons.map((r) => r.label).join("\n");
  return el("span", { class: "reasons", title: all },
    top.map((r) => el("span", { class: `reason sev-${String(r.severity || "info").replace(/[^a-z]/g, "")}` }, r.label)),
    row.reasons.length > 2 ? el("span", { class: "more" }, `+${row.reasons.length - 2}`) : null);
}

/** Links: DexScreener and explorer (built by the server from the validated chain and address), then the token's own. */
export function linkList(row) {
  const links = [];
  const dex = safeUrl(row.pages.dexscreener);
  const explorer = safeUrl(row.pages.explorer);
  if (dex) links.push(ownLink(dex, "DS", "DexScreener"));
  if (explorer) links.push(ownLink(explorer, "Scan", "Block explorer"));
  for (const link of row.links) {
    const checked = tokenLink(link);
    if (checked) links.push(externalLink(checked.href, checked.label, `The token's own link: ${checked.href}`));
  }
  return links;
}

function ownLink(href, label, title) {
  const a = externalLink(href, label, title);
  a.className = "own-link";
  return a;
}

/** A bonding-curve bar: `progress` 0..1 of the curve sold (width set through the CSSOM: the CSP allows no style attribute). */
export function curveBar(progress) {
  const fill = el("span", { class: "curve-fill" });
  fill.style.width = `${Math.round(progress * 1000) / 10}%`;
  return el("span", { class: `curve${progress >= 0.8 ? " near" : ""}`, "aria-hidden": "true" }, fill);
}

/** Said of a launch in one line, for a title (the stream tells the curve and market cap once: at creation). */
function launchTitle(launch) {
  if (launch.migrated) return "Graduated from its pump.fun bonding curve to a DEX pool";
  const parts = [`Launched on ${launch.launchpad}`];
  const atLaunch = [];
  if (launch.progress !== null) atLaunch.push(`bonding curve ${fmt.share(launch.progress)} sold`);
  if (launch.marketCapSol !== null) atLaunch.push(`market cap ${fmt.sol(launch.marketCapSol)}`);
  if (atLaunch.length) parts.push(`at launch: ${atLaunch.join(", ")}`);
  if (launch.creatorLaunches !== null) parts.push(`its creator launched ${launch.creatorLaunches} in 24 h`);
  return parts.join(" · ");
}

/** The compact pump.fun badge of a row: launchpad, curve progress, market cap in SOL, a serial creator. */
export function launchBadge(launch) {
  const serial = launch.creatorLaunches !== null && launch.creatorLaunches >= SERIAL_LAUNCHES;
  const curve = launch.progress !== null && !launch.migrated;
  return el("span", { class: "launch", title: launchTitle(launch) },
    el("span", { class: "launch-main" }, // one unbreakable line: it sets the column's narrowest width
      el("span", { class: `launchpad pad-${launch.launchpad.replace(/[^a-z]/g, "")}` }, launch.launchpad),
      curve ? [curveBar(launch.progress), el("span", { class: "curve-pct" }, fmt.share(launch.progress))] : null,
      // the market cap said at creation; once graduated, the MCap column's live figure is the one to read
      launch.marketCapSol !== null && !launch.migrated ? el("span", { class: "launch-mc" }, `MC ${fmt.sol(launch.marketCapSol)}`) : null),
    serial ? el("span", { class: "serial" }, `dev ×${launch.creatorLaunches}`) : null);
}

function cell(key, label, ...content) {
  return el("td", { class: `c-${key}`, "data-label": label }, ...content);
}

/** One row of the grid (a card under 700 px). */
export function buildRow(row, ctx) {
  const watched = ctx.watched.has(row.key);
  const tr = el("tr", { dataset: { seq: row.seq, key: row.key, level: row.level }, tabindex: "-1",
    "aria-label": `${row.name} (${row.symbol}) on ${row.chain}, ${row.level}` });
  tr.append(
    cell("watch", "", el("button", { type: "button", class: "star", "aria-pressed": String(watched),
      "aria-label": `${watched ? "Unwatch" : "Watch"} ${row.symbol}`, dataset: { action: "watch" } }, watched ? "★" : "☆")),
    cell("name", "", el("div", { class: "token" }, avatar(row),
      el("div", { class: "token-text" },
        el("span", { class: "token-name" }, el("strong", { class: "name" }, row.name), " ",
          el("span", { class: "symbol" }, row.symbol)),
        el("span", { class: "addr" }, el("span", { class: "chip" }, row.chain),
          el("code", { title: row.address }, fmt.shortAddress(row.address)),
          el("button", { type: "button", class: "copy", dataset: { action: "copy" },
            "aria-label": `Copy contract address of ${row.symbol}` }, "Copy")),
        row.launch ? launchBadge(row.launch) : null))),
    cell("age", "Age", el("span", { class: "age", dataset: { created: row.created === null ? "" : String(row.created) } },
      fmt.age(row.created === null ? null : ctx.now - row.created))),
    el("td", { class: "c-price", "data-label": "Price", title: `As of ${fmt.clock(row.scannedAt)}, when this token was last scanned` },
      fmt.price(row.price)),
    cell("m5", "5m", change(row.m5)),
    cell("h1", "1h", change(row.h1)),
    cell("h24", "24h", change(row.h24)),
    cell("liquidity", "Liquidity", fmt.usd(row.liquidity)),
    cell("mcap", row.mcapIsFdv ? "FDV" : "MCap", fmt.usd(row.mcap), row.mcapIsFdv ? el("small", {}, " FDV") : null),
    cell("volume", "Vol 24h", fmt.usd(row.volume)),
    cell("txns", "Buys/Sells", el("span", { class: "buys" }, fmt.count(row.buys)), " / ",
      el("span", { class: "sells" }, fmt.count(row.sells))),
    cell("verdict", "", verdictBadge(row)),
    cell("why", "", reasonsCell(row)),
    cell("links", "", el("span", { class: "links" }, linkList(row))),
  );
  if (ctx.fresh.has(row.seq)) tr.classList.add("fresh");
  if (watched) tr.classList.add("watched");
  return tr;
}

/** Refresh every age cell in place (ages move with the clock, rows need not be rebuilt). */
export function tickAges(tbody, now) {
  for (const span of tbody.querySelectorAll(".age[data-created]")) {
    const created = Number(span.dataset.created);
    if (span.dataset.created && Number.isFinite(created)) span.textContent = fmt.age(now - created);
  }
}

/** A short-lived message in the corner; clicking it runs `onOpen`. */
export function toast(container, title, body, level, onOpen) {
  const note = el("button", { type: "button", class: `toast level-${level}` },
    el("strong", {}, title), el("span", {}, body));
  note.addEventListener("click", () => {
    note.remove();
    onOpen?.();
  });
  container.prepend(note);
  while (container.children.length > 4) container.lastElementChild.remove();
  setTimeout(() => note.remove(), 8000);
  return note;
}
