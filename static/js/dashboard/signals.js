// Signals: the user's watchers and what they caught, loaded from the API and then live from the socket.
import { KeyBox } from "./key_box.js";
import { renderSignals, renderWatchers } from "./signals_view.js";
import { toast } from "./view.js";
import { WatcherApi, KEY_STORAGE } from "./watcher_api.js";
import { mergeSignals, readSignal, readWatcher } from "./watchers.js";

const $ = (id) => document.getElementById(id);
export const SEEN_STORAGE = "tokenDiscovery.signalsSeenAt";
const JOIN_TIMEOUT_MS = 5000;
const UNKNOWN_RELOAD_MS = 30000; // a signal of a watcher this page does not list reloads the list, this rarely

/** Where the focus is in the lists, which are rebuilt: the item and the control in it. */
function focusSpot() {
  const active = document.activeElement;
  const item = active?.closest?.("#watcher-list > li, #signal-list > li");
  return item && active.classList[0] ? { list: item.parentElement.id, id: item.dataset.id, control: active.classList[0] } : null;
}

/** Put the focus back on the same control of the same item, once the lists are rebuilt. */
function refocus(spot) {
  if (!spot || document.activeElement?.closest?.(`#${spot.list}`)) return;
  const item = [...$(spot.list).children].find((li) => li.dataset.id === spot.id);
  item?.querySelector(`.${spot.control}`)?.focus();
}

export class Signals {
  /** `findToken(key)`: whether the grid holds the token; `openToken(key, opener)` opens its detail. */
  constructor({ client, alerts, storage, findToken, openToken }) {
    Object.assign(this, { _client: client, _alerts: alerts, _storage: storage, _findToken: findToken, _openToken: openToken });
    this.api = new WatcherApi(storage);
    this.watchers = [];
    this.signals = [];
    this._only = null;
    this._run = 0;
    this._loaded = false;
    this._joined = false;
    this._error = "";
    this._unknownAt = 0;
    this._drawn = ""; // what the watcher list was last drawn from
    this._seenAt = this._readSeen();
    this._panel = $("signals-panel");
    this._toggle = $("signals-toggle");
    this._keyBox = new KeyBox(this.api, (key) => this._useKey(key));
    client.on("signal", (raw) => this._onSignal(raw));
    client.on("status", (status) => status.state === "offline" && !this._loaded && this.load());
    this._wire();
  }

  /** After the client connected: join the key's room on every (re)connection, then load what may have been missed. */
  attach() {
    const socket = this._client.socket;
    socket.on("connect", () => this._join());
    socket.on("disconnect", () => { this._joined = false; this.render(); });
    if (socket.connected) this._join();
    if (!this.api.key) this.render();
  }

  /** Make a watcher (a WatcherApiError carries the server's refusal); the watcher, its webhook secret, whether the key is new. */
  async create(fields) {
    let made;
    try {
      made = await this.api.create(fields);
    } catch (error) {
      this._error = `Not created: ${error.message}`;
      this.render();
      throw error;
    }
    this._error = "";
    return this._made(made);
  }

  _made({ watcher, newKey }) {
    const made = readWatcher(watcher);
    if (newKey) {
      this.watchers = [];
      this.signals = [];
      this._only = null;
      this._join();
    }
    if (made) this.watchers = [...this.watchers.filter((w) => w.id !== made.id), made];
    this.render();
    return { watcher: made, secret: typeof watcher?.webhook_secret === "string" ? watcher.webhook_secret : null, newKey };
  }

  /** Load the key's watchers and their latest signals; a later load wins over an earlier one still running. */
  async load() {
    const run = ++this._run;
    const key = this.api.key;
    try {
      const watchers = (await this.api.list(key)).map(readWatcher).filter(Boolean);
      const histories = await Promise.all(watchers.map((w) => this.api.signals(w.id).catch(() => [])));
      if (run !== this._run) return;
      this.watchers = watchers;
      this.signals = mergeSignals(this.signals, histories.flat().map((raw) => readSignal(raw)));
      this._error = "";
    } catch (error) {
      if (run !== this._run) return;
      this._error = `Could not load your watchers: ${error.message}`;
    }
    this._loaded = true;
    this.render();
  }

  _join() {
    const socket = this._client.socket;
    const key = this.api.key;
    this._joined = false;
    if (!key || !socket?.connected) return this.render();
    socket.timeout(JOIN_TIMEOUT_MS).emit("join_signals", { owner_key: key }, (error, ack) => {
      if (key !== this.api.key) return; // the key changed meanwhile: its own join follows
      this._joined = !error && ack?.success === true;
      this.load();
    });
    return undefined;
  }

  _onSignal(raw) {
    const signal = readSignal(raw);
    if (!signal) return;
    this.signals = mergeSignals(this.signals, [signal]);
    if (this.watchers.some((w) => w.id === signal.watcherId)) this._announce(signal);
    else if (this._loaded && Date.now() - this._unknownAt > UNKNOWN_RELOAD_MS) {
      this._unknownAt = Date.now(); // a watcher made on another device under this key
      this.load();
    }
    this.render();
  }

  _announce(signal) {
    const row = signal.row;
    if (this.isOpen() && !document.hidden) {
      $("signals-live").textContent = `New signal: ${row.name} (${row.symbol}) on ${row.chain}, ${row.level}`;
      return;
    }
    const token = `${row.name} (${row.symbol})`;
    const body = `${row.chain} · ${row.level}${row.score === null ? "" : ` ${row.score}`} · ${signal.watcherName.slice(0, 48)}`;
    const open = () => this.open();
    this._alerts.notify(`Signal: ${token}`, body, open, `signal-${signal.id}`);
    const shown = [...document.querySelectorAll(".signal-toast")]; // a burst is one toast that counts, not a wall
    const count = shown.reduce((sum, note) => sum + Number(note.dataset.count || 1), 1);
    for (const note of shown) note.remove();
    const note = count > 1 ? toast($("toasts"), `${count} new signals`, `Latest: ${token} · ${body}`, row.level, open)
      : toast($("toasts"), `Signal: ${token}`, body, row.level, open);
    note.classList.add("signal-toast");
    note.dataset.count = String(count);
  }

  /** The signals shown: those of the listed watchers (of one, when one is picked). */
  _shown(only = this._only) {
    const ids = new Set(this.watchers.map((w) => w.id));
    return this.signals.filter((s) => ids.has(s.watcherId) && (!only || s.watcherId === only));
  }

  render() {
    const shown = this._shown();
    const all = this._shown(null);
    const focus = focusSpot();
    if (this.isOpen() && !document.hidden) this._markSeen(all);
    this._badge();
    // The watchers are rebuilt only when they changed, so a "Confirm delete" under way survives a signal arriving.
    const drawn = JSON.stringify([this._only, all.length, this.watchers]);
    if (drawn !== this._drawn) {
      this._drawn = drawn;
      renderWatchers($("watcher-list"), this.watchers, { signals: all, only: this._only,
        onSelect: (id) => { this._only = id; this.render(); },
        onDelete: (watcher, button) => this._remove(watcher, button) });
    }
    renderSignals($("signal-list"), shown, { now: Date.now(), seenAt: this._seenAt, named: !this._only && this.watchers.length > 1,
      inGrid: this._findToken, onOpen: (signal, button) => this._openToken(signal.row.key, button) });
    const picked = this.watchers.find((w) => w.id === this._only);
    $("signals-heading").textContent = picked ? `Signals of ${picked.name}` : "Latest signals";
    $("signals-all").hidden = !picked;
    $("watchers-heading").textContent = `Your watchers (${this.watchers.length})`;
    $("signals-empty").hidden = shown.length > 0;
    $("signals-empty").textContent = this.watchers.length
      ? "No signal yet: they appear here as new tokens match."
      : "No watcher yet: set the filters, then “Watch these filters”.";
    this._showStatus();
    this._keyBox.render();
    refocus(focus);
  }

  _showStatus() {
    const status = $("signals-status");
    const live = this._joined;
    status.dataset.state = this._error ? "error" : live ? "live" : "idle";
    if (this._error) status.textContent = this._error;
    else if (!this.api.key) status.textContent = "Watchers run on the server: they keep catching tokens while this page is closed.";
    else if (live) status.textContent = "Live: new signals appear here the moment they are made.";
    else status.textContent = "Not live right now: signals made meanwhile are loaded when the connection is back.";
  }

  _badge() {
    const unseen = this._shown(null).filter((s) => s.at > this._seenAt).length;
    const badge = $("signals-unseen");
    badge.hidden = unseen === 0;
    badge.textContent = unseen > 99 ? "99+" : String(unseen);
    this._toggle.setAttribute("aria-label", unseen ? `Signals, ${unseen} unseen` : "Signals");
  }

  _readSeen() {
    try {
      return Number(this._storage.getItem(SEEN_STORAGE)) || 0;
    } catch {
      return 0;
    }
  }

  _markSeen(shown) {
    const newest = Math.max(0, ...shown.map((s) => s.at));
    if (newest <= this._seenAt) return;
    this._seenAt = newest;
    try {
      this._storage.setItem(SEEN_STORAGE, String(newest));
    } catch {
      // storage disabled: seen for this page only
    }
  }

  async _remove(watcher, button) {
    button.disabled = true;
    try {
      await this.api.remove(watcher.id);
    } catch (error) {
      button.disabled = false;
      this._error = `Could not delete “${watcher.name}”: ${error.message}`;
      return this.render();
    }
    this.watchers = this.watchers.filter((w) => w.id !== watcher.id);
    this.signals = this.signals.filter((s) => s.watcherId !== watcher.id);
    if (this._only === watcher.id) this._only = null;
    this._error = "";
    this.render();
    return $("watchers-heading").focus();
  }

  isOpen() {
    return !this._panel.hidden;
  }

  /** Show the panel (and mark what it shows as seen). */
  open() {
    this._panel.hidden = false;
    this._toggle.setAttribute("aria-expanded", "true");
    for (const note of document.querySelectorAll(".signal-toast")) note.remove(); // the panel shows them now
    document.body.classList.add("signals-open");
    this.render();
    this._panel.focus();
  }

  close(restoreFocus = true) {
    this._panel.hidden = true;
    this._toggle.setAttribute("aria-expanded", "false");
    document.body.classList.remove("signals-open");
    if (restoreFocus) this._toggle.focus();
  }

  _wire() {
    this._toggle.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));
    $("signals-close").addEventListener("click", () => this.close());
    $("signals-all").addEventListener("click", () => { this._only = null; this.render(); });
    this._panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && $("detail").hidden) this.close();
    });
    document.addEventListener("visibilitychange", () => !document.hidden && this.isOpen() && this.render());
    window.addEventListener("storage", (event) => {
      if (event.key === KEY_STORAGE) this._useKey(this.api.reload());
      if (event.key === SEEN_STORAGE) { this._seenAt = this._readSeen(); this.render(); }
    });
  }

  /** Start over under another key (pasted here, or changed by another tab). */
  _useKey(key) {
    this.api.setKey(key);
    this.watchers = [];
    this.signals = [];
    this._only = null;
    this._loaded = false;
    this._join();
    if (!this._client.socket?.connected) this.load();
  }
}
