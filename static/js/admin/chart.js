// Small SVG bar charts drawn with createElementNS (no library, nothing from a CDN).

const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function minuteLabel(iso) {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) : "";
}

/**
 * Calls per minute as bars, the limit as a dashed line, rate-limit answers and refusals marked in red and amber.
 * points: [{minute, calls, rate_limited, refused}] oldest first; limit: calls a minute.
 */
export function budgetChart(svg, points, limit, width = 320, height = 90) {
  const top = Math.max(limit || 0, ...points.map((p) => (p.calls || 0) + (p.rate_limited || 0)), 1) * 1.1;
  const slot = width / Math.max(points.length, 1);
  const y = (value) => height - 14 - (value / top) * (height - 20);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const parts = [node("rect", { x: 0, y: 0, width, height, class: "chart-bg" })];
  points.forEach((p, i) => {
    const x = i * slot + 1;
    const calls = p.calls || 0;
    const bar = node("rect", { x, y: y(calls), width: Math.max(1, slot - 2), height: height - 14 - y(calls), class: "bar" });
    bar.append(node("title", {}, `${minuteLabel(p.minute)}: ${calls} calls, ${p.rate_limited || 0} rate-limited, ${p.refused || 0} refused`));
    parts.push(bar);
    if (p.rate_limited) parts.push(node("rect", { x, y: 2, width: Math.max(1, slot - 2), height: 5, class: "limited" }));
    if (p.refused) parts.push(node("rect", { x, y: 8, width: Math.max(1, slot - 2), height: 3, class: "refused" }));
  });
  if (limit) {
    parts.push(node("line", { x1: 0, x2: width, y1: y(limit), y2: y(limit), class: "limit" }));
    parts.push(node("text", { x: width - 2, y: Math.max(10, y(limit) - 3), class: "limit-label", "text-anchor": "end" }, `limit ${limit}/min`));
  }
  if (points.length) {
    parts.push(node("text", { x: 2, y: height - 2, class: "axis" }, minuteLabel(points[0].minute)));
    parts.push(node("text", { x: width - 2, y: height - 2, class: "axis", "text-anchor": "end" }, "now"));
  }
  svg.replaceChildren(...parts);
}

/** A tiny bar sparkline of one series (e.g. tokens per minute). */
export function sparkline(svg, values, width = 120, height = 28) {
  const top = Math.max(...values, 1);
  const slot = width / Math.max(values.length, 1);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.replaceChildren(...values.map((v, i) => node("rect", {
    x: i * slot, y: height - (v / top) * height, width: Math.max(1, slot - 1), height: (v / top) * height, class: "bar",
  })));
}
