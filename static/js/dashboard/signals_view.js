// The signals panel's lists: the user's watchers and what they caught, built with text nodes only.
import { el } from "../dom.js";
import { linkList } from "./view.js";
import { deliverySummary, rulesSummary, when } from "./watchers.js";

const CONFIRM_MS = 5000;

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** A delete button that asks once more before it deletes (a watcher's signals go with it). */
function deleteButton(watcher, onDelete) {
  const label = `Delete watcher ${watcher.name}`;
  const button = el("button", { type: "button", class: "watcher-delete", "aria-label": label }, "Delete");
  let timer = null;
  const reset = () => {
    clearTimeout(timer);
    button.classList.remove("confirm");
    button.textContent = "Delete";
    button.setAttribute("aria-label", label);
  };
  button.addEventListener("click", () => {
    if (!button.classList.contains("confirm")) {
      button.classList.add("confirm");
      button.textContent = "Confirm delete";
      button.setAttribute("aria-label", `Confirm: delete watcher ${watcher.name} and its signals`);
      timer = setTimeout(reset, CONFIRM_MS);
      return;
    }
    reset();
    onDelete(watcher, button);
  });
  button.addEventListener("blur", reset);
  return button;
}

function watcherItem(watcher, ctx) {
  const selected = ctx.only === watcher.id;
  const delivery = deliverySummary(watcher);
  const summary = rulesSummary(watcher.rules);
  const lower = summary.toLowerCase();
  const name = watcher.name.toLowerCase();
  const saysRules = name.endsWith("…") ? lower.startsWith(name.slice(0, -1)) : lower === name; // the default name
  return el("li", { class: `watcher${selected ? " selected" : ""}`, dataset: { id: watcher.id } },
    el("div", { class: "watcher-head" },
      el("button", { type: "button", class: "watcher-name", "aria-pressed": String(selected),
        title: selected ? "Show every watcher's signals" : "Show only this watcher's signals",
        on: { click: () => ctx.onSelect(selected ? null : watcher.id) } },
      el("span", { class: "watcher-title" }, watcher.name),
      " ", el("span", { class: "watcher-count" }, plural(ctx.counts.get(watcher.id) || 0, "signal"))),
      deleteButton(watcher, ctx.onDelete)),
    saysRules ? null : el("p", { class: "watcher-rules" }, summary),
    delivery ? el("p", { class: "watcher-delivery" }, `Also to ${delivery}`) : null);
}

/** The watchers, each with its rules in a line, its signal count, a filter toggle and delete. */
export function renderWatchers(list, watchers, ctx) {
  const counts = new Map();
  for (const signal of ctx.signals) counts.set(signal.watcherId, (counts.get(signal.watcherId) || 0) + 1);
  list.replaceChildren(...watchers.map((watcher) => watcherItem(watcher, { ...ctx, counts })));
}

function tokenLine(row) {
  return [
    el("span", { class: "signal-token" }, el("strong", { class: "name" }, row.name), " ",
      el("span", { class: "symbol" }, row.symbol)),
    el("span", { class: "signal-meta" }, el("span", { class: "chip" }, row.chain),
      el("span", { class: `verdict level-${row.level}` }, `${row.level}${row.score === null ? "" : ` ${row.score}`}`)),
  ];
}

function signalItem(signal, ctx) {
  const row = signal.row;
  const inGrid = ctx.inGrid(row.key);
  const stamp = el("time", { class: "signal-time", datetime: new Date(signal.at).toISOString(),
    title: new Date(signal.at).toLocaleString() }, when(signal.at, ctx.now));
  const head = inGrid
    ? el("button", { type: "button", class: "signal-open", "aria-label": `${row.name} (${row.symbol}) on ${row.chain}, ${row.level}: open details`,
      on: { click: (event) => ctx.onOpen(signal, event.currentTarget) } }, tokenLine(row))
    : el("div", { class: "signal-open" }, tokenLine(row));
  return el("li", { class: `signal${signal.at > ctx.seenAt ? " unseen" : ""}`,
    dataset: { id: signal.id, seq: row.seq, level: row.level, watcher: signal.watcherId } },
  el("div", { class: "signal-top" }, head, stamp),
  ctx.named ? el("p", { class: "signal-watcher" }, signal.watcherName) : null,
  signal.matched.length ? el("ul", { class: "signal-why", "aria-label": "Why it matched" },
    signal.matched.map((reason) => el("li", {}, reason))) : null,
  inGrid ? null : el("p", { class: "signal-links" }, el("span", { class: "muted" }, "No longer in the grid:"), " ",
    linkList(row)));
}

/** The signals shown (newest first), the unseen ones marked. */
export function renderSignals(list, signals, ctx) {
  list.replaceChildren(...signals.map((signal) => signalItem(signal, ctx)));
}
