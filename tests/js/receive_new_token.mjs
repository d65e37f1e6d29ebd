// Connects with the official socket.io client over the websocket transport only, joins the
// discovery room and prints a JSON line per event until `count` new tokens have arrived.
import { io } from "socket.io-client";

const [url, count, timeoutMs] = [process.argv[2], Number(process.argv[3] || 1), Number(process.argv[4] || 20000)];
const socket = io(url, { transports: ["websocket"], reconnection: false, extraHeaders: { Origin: url } });
const tokens = [];
const timer = setTimeout(() => finish(2, "timeout"), timeoutMs);

function finish(code, error) {
  clearTimeout(timer);
  console.log(JSON.stringify({ event: "done", error, transport: socket.io.engine?.transport?.name, tokens }));
  socket.close();
  process.exit(code);
}

socket.on("connect_error", (err) => finish(3, `connect_error: ${err.message}`));
socket.on("connected", () => {
  console.log(JSON.stringify({ event: "connected", transport: socket.io.engine.transport.name }));
  socket.emit("join_discovery");
});
socket.on("joined_discovery", () => console.log(JSON.stringify({ event: "joined" })));
socket.on("new_token", (record) => {
  tokens.push(record.seq);
  if (tokens.length >= count) finish(0, null);
});
