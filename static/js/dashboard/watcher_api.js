// The watchers REST API under this browser's owner key, kept in localStorage; a key the server refuses is replaced.
import { KEY_FORMAT } from "./watchers.js";

export const KEY_STORAGE = "tokenDiscovery.watcherKey";
const HEADER = "X-Watcher-Key";

/** A refusal or failure of the watchers API: the server's own words, and the HTTP status (0: no answer). */
export class WatcherApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "WatcherApiError";
    this.status = status;
  }
}

function refusal(response, payload) {
  const said = typeof payload?.error === "string" ? payload.error.slice(0, 300) : `HTTP ${response.status}`;
  const retry = Number(response.headers.get("Retry-After"));
  if (response.status === 429 && Number.isFinite(retry)) return `${said} (retry in ${Math.ceil(retry)} s)`;
  return said;
}

export class WatcherApi {
  constructor(storage) {
    this._storage = storage;
    this.key = null;
    this.reload();
  }

  /** Read the key kept in this browser (another tab may have changed it). */
  reload() {
    let kept = null;
    try {
      kept = this._storage.getItem(KEY_STORAGE);
    } catch {
      kept = null; // storage disabled: the key lives for this page
    }
    this.key = KEY_FORMAT.test(kept || "") ? kept : null;
    return this.key;
  }

  /** Keep a key (null: forget it). */
  setKey(key) {
    this.key = key;
    try {
      if (key) this._storage.setItem(KEY_STORAGE, key);
      else this._storage.removeItem(KEY_STORAGE);
    } catch {
      // storage disabled: the key lives for this page
    }
  }

  async _call(method, path, { body, key = this.key } = {}) {
    const headers = { Accept: "application/json" };
    if (key) headers[HEADER] = key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(`/api/watchers${path}`, { method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new WatcherApiError("the server did not answer", 0);
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok || payload?.success === false) throw new WatcherApiError(refusal(response, payload), response.status);
    return payload || {};
  }

  /**
   * Make a watcher: under the kept key, or, when there is none or the server no longer knows it (401), under a
   * new key, which is then kept. Resolves with { watcher, newKey }.
   */
  async create(fields) {
    if (this.key) {
      try {
        return { watcher: (await this._call("POST", "", { body: fields })).watcher, newKey: false };
      } catch (error) {
        if (error.status !== 401) throw error;
        this.setKey(null);
      }
    }
    const answer = await this._call("POST", "", { body: fields, key: null });
    if (typeof answer.owner_key === "string" && KEY_FORMAT.test(answer.owner_key)) this.setKey(answer.owner_key);
    return { watcher: answer.watcher, newKey: true };
  }

  /** The watchers of a key (the kept one by default), oldest first. */
  async list(key = this.key) {
    if (!key) return [];
    return (await this._call("GET", "", { key })).watchers || [];
  }

  /** Delete one watcher and its signals. */
  async remove(id) {
    await this._call("DELETE", `/${encodeURIComponent(id)}`);
  }

  /** A watcher's latest signals, newest first. */
  async signals(id) {
    return (await this._call("GET", `/${encodeURIComponent(id)}/signals`)).signals || [];
  }
}
