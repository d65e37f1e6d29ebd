// "Scan now": joins the shared scan, shows its progress, a cached answer as such, and a refusal with its retry time.
import * as fmt from "./format.js";

export class ScanButton {
  constructor(button, label, client) {
    this._button = button;
    this._label = label;
    this._client = client;
    this._running = false;
    this._blockedUntil = 0;
    this._countdown = null;
    button.addEventListener("click", () => this.trigger());
  }

  /** Follow the shared scan's events, whoever started it. */
  listen() {
    const c = this._client;
    c.on("scan_started", () => this._progress(0, 0));
    c.on("scan_progress", (p) => this._progress(p?.done, p?.total));
    c.on("scan_completed", (r) => this._finished(`Last scan ${fmt.clock(r?.finished_at || r?.scan_timestamp)}: ${r?.tokens_new ?? 0} new of ${r?.tokens_found ?? 0} found`));
    c.on("scan_error", (r) => this._finished(`Scan failed: ${String(r?.error || "unknown error").slice(0, 200)}`, true));
  }

  /** Show a scan that was already running when the page opened. */
  async refresh() {
    try {
      const scan = await this._client.getScan();
      if (scan.status === "running") this._progress(scan.progress?.done, scan.progress?.total);
    } catch {
      // the scan state is shown from the next event
    }
  }

  async trigger() {
    if (this._running || Date.now() < this._blockedUntil) return;
    this._progress(0, 0);
    try {
      const result = await this._client.triggerScan({});
      if (result.httpStatus === 202) return; // still running: progress and the end arrive as events
      this._finished(this._describe(result));
    } catch (error) {
      if (error.status === 429) return this._refused(error);
      this._finished(`Scan failed: ${String(error.message).slice(0, 200)}`, true);
    }
    return undefined;
  }

  _describe(result) {
    const when = fmt.clock(result.scan_timestamp);
    if (result.cached) return `Cached result of the scan at ${when}: ${result.tokens_found ?? 0} found (no new upstream call)`;
    if (result.joined) return `Joined the shared scan of ${when}: ${result.tokens_new ?? 0} new of ${result.tokens_found ?? 0} found`;
    return `Scan done at ${when}: ${result.tokens_new ?? 0} new of ${result.tokens_found ?? 0} found`;
  }

  _progress(done, total) {
    this._running = true;
    this._button.disabled = true;
    this._button.textContent = "Scanning…";
    this._label.dataset.state = "running";
    this._label.textContent = total ? `Scanning ${done ?? 0}/${total}` : "Scanning…";
  }

  _finished(message, failed = false) {
    this._running = false;
    this._label.dataset.state = failed ? "failed" : "done";
    this._label.textContent = message;
    if (Date.now() >= this._blockedUntil) {
      this._button.disabled = false;
      this._button.textContent = "Scan now";
    }
  }

  _refused(error) {
    const seconds = Math.max(1, Math.ceil(error.retryAfter || 30));
    this._running = false;
    this._blockedUntil = Date.now() + seconds * 1000;
    this._label.dataset.state = "refused";
    const reason = String(error.message).slice(0, 200);
    clearInterval(this._countdown);
    const tick = () => {
      const left = Math.ceil((this._blockedUntil - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(this._countdown);
        this._button.disabled = false;
        this._button.textContent = "Scan now";
        this._label.textContent = `Refused earlier (${reason}); you can scan again.`;
        return;
      }
      this._button.disabled = true;
      this._button.textContent = `Retry in ${left} s`;
      this._label.textContent = `Refused: ${reason}. Retry in ${left} s.`;
    };
    tick();
    this._countdown = setInterval(tick, 1000);
  }
}
