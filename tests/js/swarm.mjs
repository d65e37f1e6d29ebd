// A swarm of official socket.io clients over websocket, one process holding many: used by
// tests/e2e/test_many_clients.py and bench/fanout.py through tests/swarm.py.
//   node swarm.mjs '{"url": "http://127.0.0.1:5000", "clients": 1000, "concurrency": 25, "deflate": true}'
// Prints {"event": "loaded"}; on `connect`, connects `clients` sockets with at most `concurrency`
// handshakes in flight, each emitting `join_discovery`, then prints {"event": "ready", "joined", "failed",
// "errors", "cpu_ms"}. Every `new_token` is recorded with its seq and its delivery time: arrival
// (performance.timeOrigin + performance.now()) minus the record's `scanned_at`, in milliseconds.
// Commands on stdin, one a line:
//   connect    connect the clients
//   expect N   print {"event": "complete"} once every joined client holds N tokens
//   report     print {"event": "report", "clients": [{"seqs", "delays"}], "lost", "tokens", "cpu_ms"}
//              lost: joined clients whose connection dropped; tokens: {seq: [scanned_at, last arrival]} in ms
//              since the epoch; cpu_ms: this process's CPU time so far
//   close      close every socket and exit
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const options = JSON.parse(process.argv[2]);
const clients = [];
const errors = {};
let [started, settled, failed, expected, lost, closing] = [0, 0, 0, Infinity, 0, false];
const tokens = new Map(); // seq -> [scanned_at, last arrival], in ms since the epoch

const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const now = () => performance.timeOrigin + performance.now();
const cpuMillis = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// "2026-11-29T10:00:00.123456+00:00" to milliseconds since the epoch, keeping the microseconds.
function stampMillis(iso) {
  const match = /^(.+T\d\d:\d\d:\d\d)(\.\d+)?(.*)$/.exec(iso);
  if (!match) return NaN;
  return Date.parse(match[1] + (match[3] || "Z")) + (match[2] ? Number(`0${match[2]}`) * 1000 : 0);
}

function connectOne() {
  const socket = io(options.url, {
    transports: ["websocket"],
    forceNew: true, // one connection per client, never multiplexed
    reconnection: false,
    timeout: 60000,
    perMessageDeflate: options.deflate === false ? false : { threshold: 1024 }, // a browser always offers it
    extraHeaders: { Origin: options.url },
  });
  const client = { socket, seqs: [], delays: [], joined: false };
  // options.join, e.g. {"last_seq": 0}, asks for a replay of what is stored; joined_discovery follows it
  socket.on("connected", () => (options.join ? socket.emit("join_discovery", options.join) : socket.emit("join_discovery")));
  socket.on("joined_discovery", () => {
    client.joined = true;
    clients.push(client);
    settle();
  });
  socket.on("new_token", (record) => {
    const arrived = now();
    const stamp = stampMillis(record.scanned_at);
    client.seqs.push(record.seq);
    client.delays.push(Math.round((arrived - stamp) * 1000) / 1000);
    tokens.set(record.seq, [stamp, Math.max(arrived, tokens.get(record.seq)?.[1] ?? arrived)]);
    if (client.seqs.length === expected) checkComplete();
  });
  socket.on("connect_error", (error) => fail(client, `connect_error: ${error.message}`));
  socket.on("disconnect", (reason) => {
    if (!client.joined) return fail(client, `disconnect: ${reason}`);
    if (!closing) lost += 1;
  });
}

function fail(client, reason) {
  if (client.failed) return;
  client.failed = true;
  errors[reason] = (errors[reason] || 0) + 1;
  failed += 1;
  client.socket.close();
  settle();
}

// One handshake settled (joined or failed): start the next, or say the swarm is ready.
function settle() {
  settled += 1;
  if (started < options.clients) {
    started += 1;
    connectOne();
  } else if (settled === options.clients) {
    say({ event: "ready", joined: clients.length, failed, errors, cpu_ms: cpuMillis() });
  }
}

function checkComplete() {
  if (clients.every((client) => client.seqs.length >= expected)) {
    say({ event: "complete" });
    expected = Infinity;
  }
}

const commands = {
  connect: () => {
    if (options.clients === 0) say({ event: "ready", joined: 0, failed: 0, errors, cpu_ms: cpuMillis() });
    for (; started < Math.min(options.concurrency, options.clients); ) {
      started += 1;
      connectOne();
    }
  },
  expect: (count) => {
    expected = Number(count);
    checkComplete();
  },
  report: () => {
    const reports = clients.map(({ seqs, delays }) => ({ seqs, delays }));
    say({ event: "report", clients: reports, lost, tokens: Object.fromEntries(tokens), cpu_ms: cpuMillis() });
  },
  close: () => {
    closing = true;
    for (const client of clients) client.socket.close();
    process.exit(0);
  },
};

createInterface({ input: process.stdin }).on("line", (line) => {
  const [name, argument] = line.trim().split(/\s+/);
  commands[name]?.(argument);
});

say({ event: "loaded" });
