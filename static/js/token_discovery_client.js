/*
 * TokenDiscoveryClient: the live feed of a Token Discovery server, for any page.
 *
 *   <script src="https://tokens.example.org/static/vendor/socket.io.min.js"></script>
 *   <script src="https://tokens.example.org/static/js/token_discovery_client.js"></script>
 *   const client = new TokenDiscoveryClient({ serverUrl: "https://tokens.example.org" });
 *   client.on("new_token", (record) => console.log(record.token_data.name, record.risk_level));
 *   client.connect();
 *
 * - Socket.IO over websocket first, long-polling when websockets are blocked; socket.io's own reconnection.
 * - After every (re)connection it joins with the last seq it holds, so the server replays what was missed:
 *   no gap, and no token delivered twice.
 * - When no connection can be made, it keeps itself current from GET /api/discovery/recent?after_seq=
 *   and says so through the "status" event, until the socket is back.
 * Works as a classic script (sets window.TokenDiscoveryClient) and as a side-effect module import.
 */
(function (global) {
  "use strict";

  const SERVER_EVENTS = [
    "token_updated", "scan_started", "scan_progress", "scan_completed", "scan_error",
    "discovery_status", "joined_discovery", "signal", "admin_stats", "error",
  ];
  const SEEN_LIMIT = 5000;

  class TokenDiscoveryError extends Error {
    constructor(message, status, body, retryAfter) {
      super(message);
      this.name = "TokenDiscoveryError";
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
    }
  }

  class TokenDiscoveryClient {
    /**
     * @param {object} [options]
     * @param {string} [options.serverUrl] the server's origin (default: this page's)
     * @param {string[]} [options.transports] default ["websocket", "polling"]
     * @param {number} [options.pollInterval] ms between REST refreshes while the socket is down (default 10000)
     * @param {number} [options.lastSeq] resume after this seq (default: only tokens from now on)
     * @param {boolean} [options.join] join the discovery room on connect (default true)
     * @param {Function} [options.io] the socket.io client factory (default: window.io)
     */
    constructor(options = {}) {
      const origin = global.location ? global.location.origin : "";
      this.serverUrl = String(options.serverUrl || origin).replace(/\/+$/, "");
      this.transports = options.transports || ["websocket", "polling"];
      this.pollInterval = options.pollInterval ?? 10000;
      this.lastSeq = Number.isInteger(options.lastSeq) ? options.lastSeq : null; // all held up to here
      this.highestSeq = this.lastSeq;
      this.pollGrace = options.pollGrace ?? 5000;
      this.refusedRetry = options.refusedRetry ?? 30000; // a server refusal (e.g. too many tabs) is retried this late
      this.joinRoom = options.join !== false;
      this._io = options.io || global.io;
      this._handlers = new Map();
      this._seen = new Set();
      this._pollTimer = null;
      this._graceTimer = null;
      this._retryTimer = null;
      this._gapTimer = null;
      this._polling = false;
      this.socket = null;
      this.state = "idle";
    }

    /** Register a handler; returns a function that removes it. */
    on(event, handler) {
      if (!this._handlers.has(event)) this._handlers.set(event, new Set());
      this._handlers.get(event).add(handler);
      return () => this.off(event, handler);
    }

    /** Remove a handler. */
    off(event, handler) {
      this._handlers.get(event)?.delete(handler);
    }

    _emit(event, payload) {
      for (const handler of [...(this._handlers.get(event) || [])]) {
        try {
          handler(payload);
        } catch (error) {
          console.error(`TokenDiscoveryClient: a "${event}" handler failed`, error);
        }
      }
    }

    _setState(state, detail = {}) {
      this.state = state;
      this._emit("status", { state, ...detail });
    }

    /** Open the live connection (idempotent). */
    connect() {
      if (this.socket) return this;
      if (typeof this._io !== "function") throw new Error("socket.io client not loaded: include socket.io.min.js first");
      this._setState("connecting");
      const socket = this._io(this.serverUrl, {
        transports: this.transports,
        tryAllTransports: true,
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 15000,
        randomizationFactor: 0.5,
        timeout: 10000,
      });
      this.socket = socket;
      socket.on("connect", () => this._onConnect());
      socket.on("disconnect", (reason) => this._onDisconnect(reason));
      socket.on("connect_error", (error) => this._onConnectError(error));
      socket.on("new_token", (record) => this._deliver(record, "socket"));
      socket.on("connected", (payload) => this._emit("connected", payload));
      for (const event of SERVER_EVENTS) socket.on(event, (payload) => this._emit(event, payload));
      return this;
    }

    /** Close the connection and stop polling. */
    disconnect() {
      this._stopPolling();
      if (this._retryTimer !== null) global.clearTimeout(this._retryTimer);
      this._retryTimer = null;
      if (this.socket) {
        this.socket.disconnect();
        this.socket = null;
      }
      this._setState("idle");
    }

    /** The transport in use ("websocket" or "polling"), or null. */
    get transport() {
      return this.socket?.io?.engine?.transport?.name || null;
    }

    _onConnect() {
      this._stopPolling();
      this._downSince = null;
      this._apiDown = false;
      if (this.joinRoom) {
        const payload = this.lastSeq === null ? {} : { last_seq: this.lastSeq };
        this.socket.emit("join_discovery", payload);
      }
      this._setState("live", { transport: this.transport });
      this.socket.io.engine?.once?.("upgrade", () => this._setState("live", { transport: this.transport }));
    }

    _onDisconnect(reason) {
      this._emit("disconnected", { reason });
      if (reason === "io client disconnect") return;
      this._setState("reconnecting", { reason });
      // A blip is healed by the reconnection's replay; REST takes over only if the socket stays down.
      if (this._graceTimer === null) {
        this._graceTimer = global.setTimeout(() => {
          this._graceTimer = null;
          if (!this.socket?.connected) this._startPolling();
        }, this.pollGrace);
      }
    }

    _onConnectError(error) {
      this._reason = (error && (error.description?.message || error.message)) || "connection refused";
      this._downSince = this._downSince || Date.now();
      if (!this._apiDown) this._setState("offline", { reason: this._reason, since: this._downSince, pollInterval: this.pollInterval });
      this._startPolling();
      // The server itself refused (socket.io then stops reconnecting): ask again later, REST meanwhile.
      if (this.socket && !this.socket.active && this._retryTimer === null && this.refusedRetry > 0) {
        this._retryTimer = global.setTimeout(() => {
          this._retryTimer = null;
          if (this.socket && !this.socket.connected) this.socket.connect();
        }, this.refusedRetry);
      }
    }

    _startPolling() {
      if (this._pollTimer !== null || this.pollInterval <= 0) return;
      this._downSince = this._downSince || Date.now();
      this._pollTimer = global.setInterval(() => this._poll(), this.pollInterval);
      this._poll();
    }

    /** One REST refresh while the socket is down; says "offline" with apiDown when the API fails too. */
    _poll() {
      this.refresh().then(
        () => this.state === "offline" && this._apiDown && this._offline(false),
        (error) => this.socket?.connected || this._offline(true, error),
      );
    }

    _offline(apiDown, error) {
      this._apiDown = apiDown;
      const reason = apiDown ? error?.message || "the API does not answer" : this._reason || "connection refused";
      this._setState("offline", { reason, apiDown, since: this._downSince, pollInterval: this.pollInterval });
    }

    _stopPolling() {
      if (this._pollTimer !== null) global.clearInterval(this._pollTimer);
      if (this._graceTimer !== null) global.clearTimeout(this._graceTimer);
      this._pollTimer = null;
      this._graceTimer = null;
    }

    /** True while REST polling stands in for the socket. */
    get polling() {
      return this._pollTimer !== null;
    }

    /** Fetch what was stored after the last seq held and deliver it as new_token, oldest first. */
    async refresh() {
      if (this._polling) return 0;
      this._polling = true;
      try {
        const after = this.lastSeq === null ? "" : `&after_seq=${this.lastSeq}`;
        const records = await this.getRecentTokens(200, { query: after });
        let delivered = 0;
        for (const record of records.slice().reverse()) delivered += this._deliver(record) ? 1 : 0;
        // Whatever the server no longer holds below the newest seq is gone: the gap is closed.
        if (this.highestSeq !== null) this.lastSeq = Math.max(this.lastSeq ?? this.highestSeq, this.highestSeq);
        return delivered;
      } finally {
        this._polling = false;
      }
    }

    _deliver(record) {
      if (!this._hold(record)) return false;
      this._emit("new_token", record);
      return true;
    }

    /** Keep a record's seq; false when it is malformed or already held. */
    _hold(record) {
      if (!record || !Number.isInteger(record.seq) || this._seen.has(record.seq)) return false;
      this._seen.add(record.seq);
      if (this._seen.size > SEEN_LIMIT) this._seen.delete(this._seen.values().next().value);
      this.highestSeq = this.highestSeq === null ? record.seq : Math.max(this.highestSeq, record.seq);
      if (this.lastSeq === null) this.lastSeq = record.seq;
      while (this._seen.has(this.lastSeq + 1)) this.lastSeq += 1;
      if (this.highestSeq > this.lastSeq) this._checkGapSoon();
      return true;
    }

    /** A seq was skipped (seqs grow by one): if it has not arrived in a moment, ask the API for it. */
    _checkGapSoon() {
      if (this._gapTimer !== null) return;
      this._gapTimer = global.setTimeout(() => {
        this._gapTimer = null;
        if (this.highestSeq > this.lastSeq) this.refresh().catch(() => {});
      }, 3000);
    }

    /** Hold records loaded elsewhere (e.g. a first page from REST), so they are never delivered again. */
    remember(records) {
      const newest = Math.max(...records.map((r) => (Number.isInteger(r?.seq) ? r.seq : -1)), -1);
      if (newest >= 0 && (this.lastSeq === null || newest > this.lastSeq)) this.lastSeq = newest;
      for (const record of records) this._hold(record);
    }

    async _request(path, init = {}) {
      const response = await global.fetch(`${this.serverUrl}${path}`, {
        credentials: "same-origin",
        ...init,
        headers: { Accept: "application/json", ...(init.headers || {}) },
      });
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      if (!response.ok || (body && body.success === false)) {
        const retry = Number(response.headers.get("Retry-After"));
        const message = body?.error || `HTTP ${response.status}`;
        throw new TokenDiscoveryError(message, response.status, body, Number.isFinite(retry) ? retry : null);
      }
      return { status: response.status, body };
    }

    /** The newest stored tokens (TokenRecords, newest first). */
    async getRecentTokens(limit = 50, { chain = null, afterSeq = null, query = "" } = {}) {
      const size = Math.max(1, Math.min(200, Number(limit) || 50));
      let path = `/api/discovery/recent?limit=${size}`;
      if (chain) path += `&chain=${encodeURIComponent(chain)}`;
      if (Number.isInteger(afterSeq)) path += `&after_seq=${afterSeq}`;
      const { body } = await this._request(path + query);
      return body.tokens || [];
    }

    /**
     * Join the running shared scan or start one. Resolves with the answer and its HTTP status
     * (200 finished, 202 still running); rejects with a TokenDiscoveryError (status, body, retryAfter).
     */
    async triggerScan({ maxTokens = null, chain = null } = {}) {
      const payload = {};
      if (maxTokens !== null && maxTokens !== undefined) payload.max_tokens = maxTokens;
      if (chain) payload.chain = chain;
      const { status, body } = await this._request("/api/discovery/trigger", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      return { ...body, httpStatus: status };
    }

    /** Progress of the current or last scan. */
    async getScan() {
      return (await this._request("/api/discovery/scan")).body;
    }

    /** The service status. */
    async getStatus() {
      return (await this._request("/api/discovery/status")).body.status;
    }
  }

  global.TokenDiscoveryClient = TokenDiscoveryClient;
  global.TokenDiscoveryError = TokenDiscoveryError;
})(typeof window !== "undefined" ? window : globalThis);
