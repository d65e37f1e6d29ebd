// TokenDiscoveryClient: resume by last_seq, no duplicate, gaps asked again, REST only while the socket is down.
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.window = globalThis;
await import("../../../static/js/token_discovery_client.js");
const { TokenDiscoveryClient } = globalThis;

class FakeSocket {
  constructor() { this.handlers = {}; this.sent = []; this.connected = false; this.active = true; this.connects = 0; this.io = { engine: { transport: { name: "websocket" } } }; }
  connect() { this.connects += 1; }
  on(event, fn) { (this.handlers[event] ||= []).push(fn); }
  emit(event, payload) { this.sent.push([event, payload]); }
  fire(event, payload) { for (const fn of this.handlers[event] || []) fn(payload); }
  disconnect() { this.connected = false; }
}

function client(options = {}) {
  const socket = new FakeSocket();
  const fetches = [];
  globalThis.fetch = async (url) => {
    fetches.push(url);
    return { ok: true, status: 200, headers: new Map(), json: async () => ({ success: true, tokens: options.served || [] }) };
  };
  const c = new TokenDiscoveryClient({ serverUrl: "http://td.test", io: () => socket, pollGrace: 20, pollInterval: 60_000, ...options });
  const got = [];
  c.on("new_token", (r) => got.push(r.seq));
  return { c, socket, got, fetches };
}

test("joins with the last seq it holds and delivers each token once", () => {
  const { c, socket, got } = client();
  c.remember([{ seq: 5 }, { seq: 4 }]);
  c.connect();
  socket.fire("connect");
  assert.deepEqual(socket.sent, [["join_discovery", { last_seq: 5 }]]);
  for (const seq of [5, 6, 6, 7]) socket.fire("new_token", { seq });
  assert.deepEqual(got, [6, 7]);
  socket.fire("disconnect", "transport close");
  socket.fire("connect");
  assert.deepEqual(socket.sent.at(-1), ["join_discovery", { last_seq: 7 }]);
  c.disconnect();
});

test("a skipped seq keeps last_seq below it, so the next join replays it", () => {
  const { c, socket, got } = client();
  c.remember([{ seq: 10 }]);
  c.connect();
  socket.fire("new_token", { seq: 12 });
  assert.equal(c.lastSeq, 10);
  assert.equal(c.highestSeq, 12);
  socket.fire("connect");
  assert.deepEqual(socket.sent.at(-1), ["join_discovery", { last_seq: 10 }]);
  socket.fire("new_token", { seq: 11 });
  socket.fire("new_token", { seq: 12 });
  assert.deepEqual(got, [12, 11]);
  assert.equal(c.lastSeq, 12);
  c.disconnect();
});

test("REST polling starts when the socket cannot connect and stops when it is back", async () => {
  const { c, socket, got, fetches } = client({ served: [{ seq: 9 }, { seq: 8 }] });
  const states = [];
  c.on("status", (s) => states.push(s.state));
  c.remember([{ seq: 7 }]);
  c.connect();
  socket.fire("connect_error", new Error("websocket error"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(c.polling);
  assert.deepEqual(fetches, ["http://td.test/api/discovery/recent?limit=200&after_seq=7"]);
  assert.deepEqual(got, [8, 9]); // oldest first
  socket.fire("connect");
  assert.equal(c.polling, false);
  assert.deepEqual(states, ["connecting", "offline", "live"]);
  c.disconnect();
});

test("a short blip is healed by the replay, not by REST", async () => {
  const { c, socket, fetches } = client();
  c.connect();
  socket.fire("connect");
  socket.fire("disconnect", "transport close");
  socket.connected = true;
  socket.fire("connect");
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(fetches, []);
  c.disconnect();
});

test("a refusal by the server itself is asked again later, REST standing in meanwhile", async () => {
  const { c, socket, fetches } = client({ refusedRetry: 30 });
  c.connect();
  socket.active = false; // socket.io does not reconnect after the server's own refusal
  const refusal = new Error("too many connections from this address: at most 50 at once; close other tabs");
  socket.fire("connect_error", refusal);
  assert.equal(c.state, "offline");
  assert.ok(c.polling && fetches.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(socket.connects, 1);
  c.disconnect();
});

test("a network error is left to socket.io's own reconnection", async () => {
  const { c, socket } = client({ refusedRetry: 10 });
  c.connect();
  socket.fire("connect_error", new Error("websocket error")); // socket.active stays true
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(socket.connects, 0);
  c.disconnect();
});
