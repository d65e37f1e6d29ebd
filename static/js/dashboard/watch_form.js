// "Watch these filters": the current filters as a server-side watcher in one click, or with a name, delivery and more rules.
import { copyText, el } from "../dom.js";
import { FLAG_LABELS, defaultName, filterNotes, rulesFromFilters, rulesSummary, sameRules, telegramChat } from "./watchers.js";

const $ = (id) => document.getElementById(id);

export class WatchForm {
  /** `signals` makes the watcher; `current()` returns the view state shown now. */
  constructor(signals, current) {
    this._signals = signals;
    this._current = current;
    this._form = $("watch-form");
    this._nameEdited = false;
    this._busy = false;
    $("w-flags").append(...Object.entries(FLAG_LABELS).map(([value, label]) =>
      el("label", { class: "flag-choice" }, el("input", { type: "checkbox", name: "exclude", value }), ` ${label}`)));
    this._wire();
  }

  /** Show what a watcher of `state` would be (the filters changed). */
  show(state) {
    const rules = this._rules(state);
    const notes = filterNotes(state);
    $("watch-rules").textContent = rulesSummary(rules);
    $("watch-notes").replaceChildren(...notes.map((note) => el("li", {}, note)));
    if (!this._nameEdited) $("w-name").value = defaultName(rules);
    const filters = rulesSummary(rulesFromFilters(state));
    $("watch-filters").title = `Make a server-side watcher of these filters: ${filters}`;
    $("signals-watch").title = `A watcher of the filters set now: ${filters}`;
  }

  /** The rules of the filters and, from the form, the rules the filter bar does not have. */
  _rules(state) {
    const rules = rulesFromFilters(state);
    const score = $("w-score").value.trim();
    const buys = $("w-buys").value.trim();
    const flags = [...this._form.querySelectorAll("input[name=exclude]:checked")].map((input) => input.value);
    if (score !== "") rules.max_score = Number(score);
    if (buys !== "") rules.min_buys_h1 = Number(buys);
    if (flags.length) rules.exclude_flags = flags;
    if ($("w-kind").value === "changed") rules.risk_changed = true;
    return rules;
  }

  _wire() {
    $("watch-filters").addEventListener("click", () => this._quick());
    $("signals-watch").addEventListener("click", () => this._quick());
    $("watch-options").addEventListener("click", () => (this._form.hidden ? this._open() : this._close(true)));
    $("watch-cancel").addEventListener("click", () => this._close(true));
    $("w-name").addEventListener("input", () => { this._nameEdited = $("w-name").value.trim() !== ""; });
    this._form.addEventListener("input", (event) => event.target.id !== "w-name" && this.show(this._current()));
    this._form.addEventListener("change", () => this.show(this._current()));
    this._form.addEventListener("keydown", (event) => event.key === "Escape" && this._close(true));
    this._form.addEventListener("submit", (event) => {
      event.preventDefault();
      this._submit();
    });
    $("watch-result").addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]")?.dataset.action;
      if (action === "open") this._signals.open();
      if (action === "dismiss") this._result(null);
    });
  }

  _open() {
    this._form.hidden = false;
    $("watch-options").setAttribute("aria-expanded", "true");
    $("watch-error").hidden = true;
    this.show(this._current());
    $("w-name").focus();
  }

  _close(restoreFocus) {
    this._form.reset();
    this._nameEdited = false;
    this._form.hidden = true;
    $("watch-options").setAttribute("aria-expanded", "false");
    this.show(this._current());
    if (restoreFocus) $("watch-options").focus();
  }

  /** One click: the filters as they are, under the default name (or the open form, as filled in). */
  async _quick() {
    if (!this._form.hidden) return this._form.requestSubmit();
    const state = this._current();
    const rules = rulesFromFilters(state);
    const twin = this._signals.watchers.find((watcher) => sameRules(watcher.rules, rules));
    if (twin) return this._result(this._lines("Already watching these filters as ", twin, []), "done");
    return this._create({ name: defaultName(rules), rules }, filterNotes(state));
  }

  async _submit() {
    const bad = ["w-score", "w-buys"].find((id) => $(id).validity.badInput);
    if (bad) return this._refused(`${$(bad).closest("label").querySelector(".field-label").textContent} must be a number`);
    const state = this._current();
    const rules = this._rules(state);
    const fields = { name: $("w-name").value.trim() || defaultName(rules), rules };
    const webhook = $("w-webhook").value.trim();
    const chat = telegramChat($("w-telegram").value);
    if (webhook) fields.webhook_url = webhook;
    if (chat !== null) fields.telegram_chat_id = chat;
    if (await this._create(fields, filterNotes(state))) this._close(true);
    return undefined;
  }

  async _create(fields, notes) {
    if (this._busy) return false;
    this._setBusy(true);
    try {
      const made = await this._signals.create(fields);
      this._result(this._madeLines(made, notes), "done");
      return true;
    } catch (error) {
      this._refused(String(error.message));
      return false;
    } finally {
      this._setBusy(false);
    }
  }

  /** A refusal, in the server's words: in the form when it is open, else under the filters. */
  _refused(message) {
    const text = `Not created: ${message}`;
    if (this._form.hidden) return this._result([el("span", {}, text)], "error");
    $("watch-error").textContent = text;
    $("watch-error").hidden = false;
    return $("w-name").focus();
  }

  _lines(lead, watcher, notes) {
    const lines = [el("span", {}, lead, el("strong", {}, watcher?.name || "these filters"), ": its signals appear under Signals."),
      el("button", { type: "button", dataset: { action: "open" } }, "Open signals")];
    for (const note of notes) lines.push(el("span", { class: "result-note" }, note));
    return lines;
  }

  _madeLines(made, notes) {
    const lines = this._lines("Now watching ", made.watcher, notes);
    if (made.newKey) {
      lines.push(el("span", { class: "result-note" },
        "This browser now keeps your owner key: to use these watchers on another device, copy it from Signals › Owner key."));
    }
    if (made.secret && made.watcher?.webhook) lines.push(this._secretLine(made.secret));
    return lines;
  }

  _secretLine(secret) {
    const copy = el("button", { type: "button", class: "copy" }, "Copy");
    copy.addEventListener("click", async () => { copy.textContent = (await copyText(secret)) ? "Copied" : "Copy failed"; });
    return el("span", { class: "result-note secret" }, "Webhook secret, shown only this once (each call carries X-Signature-256: ",
      el("code", {}, "sha256="), " and the HMAC-SHA256 of the body under it): ", el("code", { class: "secret-value" }, secret), " ", copy);
  }

  _result(lines, state) {
    const box = $("watch-result");
    box.hidden = !lines;
    box.dataset.state = state || "";
    if (!lines) return;
    box.replaceChildren(...lines, el("button", { type: "button", class: "dismiss", "aria-label": "Dismiss", dataset: { action: "dismiss" } }, "×"));
  }

  _setBusy(busy) {
    this._busy = busy;
    for (const id of ["watch-filters", "watch-submit", "signals-watch"]) {
      $(id).disabled = busy;
      $(id).setAttribute("aria-busy", String(busy));
    }
  }
}
