// The reference for bench/fanout.py: a plain socket.io 4.8 server speaking the app's discovery events.
//   node server.js PORT RECORDS_JSON
// Clients get `connected`, emit `join_discovery` and get `joined_discovery`, as with the app. POST /trigger
// broadcasts every record of RECORDS_JSON to the room `discovery` as `new_token`, one per turn of the event
// loop, each with `scanned_at` set
// the moment it is emitted (ISO 8601, UTC, microseconds, as the app writes it). GET /healthz answers ok.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Server } from "socket.io";

const ROOM = "discovery";
const [port, recordsPath] = [Number(process.argv[2]), process.argv[3]];
const records = JSON.parse(readFileSync(recordsPath, "utf8"));

function isoNow() {
  const now = performance.timeOrigin + performance.now();
  const millis = Math.floor(now);
  const micros = Math.min(999, Math.floor((now - millis) * 1000));
  return new Date(millis).toISOString().replace("Z", `${String(micros).padStart(3, "0")}+00:00`);
}

// One record per turn of the event loop, as the app publishes each token once it is stored.
function broadcast(index = 0) {
  if (index >= records.length) return;
  io.to(ROOM).emit("new_token", { ...records[index], scanned_at: isoNow() });
  setImmediate(broadcast, index + 1);
}

function answer(response, status, body) {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

const http = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/healthz") return answer(response, 200, { status: "ok" });
  if (request.method === "POST" && request.url === "/trigger") {
    broadcast();
    return answer(response, 200, { success: true, tokens_new: records.length });
  }
  return answer(response, 404, { success: false, error: "not found" });
});
const io = new Server(http);

io.on("connection", (socket) => {
  socket.emit("connected", { message: "connected to token discovery", timestamp: isoNow() });
  socket.on("join_discovery", () => {
    socket.join(ROOM);
    socket.emit("joined_discovery", { message: "joined discovery", timestamp: isoNow(), replayed: 0, last_seq: null });
  });
  socket.on("leave_discovery", () => socket.leave(ROOM));
});

http.listen(port, "127.0.0.1", 4096, () => console.log(JSON.stringify({ event: "listening", port })));
