// Numbers, ages and addresses as traders read them. Pure functions, no DOM.

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";
const DASH = "—";

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** $1.2K, $3.4M, $5.6B, $950, $86, $4.25; "—" when unknown. */
export function usd(value) {
  if (!finite(value)) return DASH;
  const sign = value < 0 ? "-" : "";
  const n = Math.abs(value);
  const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (let i = 0; i < units.length; i += 1) {
    const [size, unit] = units[i];
    if (n < size * 0.9995) continue;
    const scaled = n / size;
    const text = trim(scaled.toFixed(scaled >= 99.95 ? 0 : 1));
    if (Number(text) >= 1000 && i > 0) return `${sign}$${trim((n / units[i - 1][0]).toFixed(1))}${units[i - 1][1]}`;
    return `${sign}$${text}${unit}`;
  }
  if (n >= 999.5) return `${sign}$1K`;
  return `${sign}$${trim(n.toFixed(n >= 10 ? 0 : 2))}`;
}

function trim(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

function subscript(count) {
  return String(count).split("").map((d) => SUBSCRIPTS[Number(d)]).join("");
}

/** A token price: $1,234 / $1.234 / $0.001234 / $0.0₄1234 / $0.0₇599 (four zeros or more counted in subscript). */
export function price(value) {
  if (!finite(value)) return DASH;
  if (value === 0) return "$0";
  const n = Math.abs(value);
  if (n >= 1000) return `$${n.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  if (n >= 1) return `$${trim(n.toFixed(n >= 100 ? 2 : 4))}`;
  let leading = Math.max(0, Math.ceil(-Math.log10(n)) - 1); // zeros between the point and the first digit
  let digits = Math.round(n * 10 ** (leading + 4)); // four significant digits
  if (digits >= 10000) {
    if (leading === 0) return `${value < 0 ? "-" : ""}$1`;
    leading -= 1;
    digits = Math.round(digits / 10);
  }
  const text = String(digits).padStart(4, "0").replace(/0+$/, "") || "0";
  const sign = value < 0 ? "-" : "";
  if (leading > 3) return `${sign}$0.0${subscript(leading)}${text}`;
  return `${sign}$0.${"0".repeat(leading)}${text}`;
}

/** +12.3% / -4.0% / "—". */
export function percent(value) {
  if (!finite(value)) return DASH;
  const rounded = Math.abs(value) >= 999.95 ? value.toFixed(0) : value.toFixed(1);
  if (Number(rounded) === 0) return "0.0%";
  return `${value > 0 ? "+" : ""}${rounded}%`;
}

/** An amount of SOL: "0.42 SOL", "31.8 SOL", "312 SOL", "1.2K SOL"; "—" when unknown. */
export function sol(value) {
  if (!finite(value)) return DASH;
  const n = Math.abs(value);
  if (n >= 999.5) return `${usd(value).replace("$", "")} SOL`;
  return `${trim(value.toFixed(n >= 99.95 ? 0 : n >= 1 ? 1 : 2))} SOL`;
}

/** A fraction 0..1 as a percent: 0.0512 -> "5.1%". */
export function share(value) {
  if (!finite(value)) return DASH;
  const pct = value * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

/** A whole count: 1234 -> "1,234"; 25400 -> "25.4K". */
export function count(value) {
  if (!finite(value)) return DASH;
  if (Math.abs(value) >= 10000) return usd(value).replace("$", "");
  if (Math.abs(value) >= 9999.5) return "10K";
  return Math.round(value).toLocaleString("en-US");
}

/** Age from milliseconds: "45 s", "4 m", "3 h", "2 d"; "—" when unknown. */
export function age(ms) {
  if (!finite(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** 0x1234…abcd; Solana mints keep four characters on each side too. */
export function shortAddress(address) {
  const text = String(address || "");
  return text.length > 12 ? `${text.slice(0, 6)}…${text.slice(-4)}` : text;
}

/** A local time of day, "14:02:11", from an ISO string; "—" when unknown. */
export function clock(iso) {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return DASH;
  return new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

/** Sign of a change, for colouring: "up", "down" or "flat". */
export function trend(value) {
  if (!finite(value) || Math.abs(value) < 0.05) return "flat";
  return value > 0 ? "up" : "down";
}
