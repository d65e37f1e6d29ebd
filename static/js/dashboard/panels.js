// The connection badge and notice, and the alert settings panel.

const $ = (id) => document.getElementById(id);
const clock = (ms) => new Date(ms || Date.now()).toLocaleTimeString([], { hourCycle: "h23" });
const LABELS = { connecting: "connecting…", reconnecting: "reconnecting…", offline: "offline · polling API", idle: "disconnected" };

/** Show the client's connection state; when it is offline, say why and how the page keeps current. */
export function showConnection(status) {
  const badge = $("connection");
  const notice = $("notice");
  badge.dataset.state = status.state === "live" ? "connected" : status.state;
  badge.textContent = status.state === "live" ? `live · ${status.transport || "socket"}` : LABELS[status.state] || status.state;
  if (status.state === "offline") {
    const every = Math.round((status.pollInterval || 10000) / 1000);
    notice.textContent = status.apiDown
      ? `Server unreachable since ${clock(status.since)} (${status.reason}): the list may be stale. Retrying every ${every} s.`
      : `Live updates unavailable (${status.reason}). New tokens are fetched from the API every ${every} s until the connection is back.`;
    notice.hidden = false;
    if (status.apiDown) badge.textContent = "offline · server unreachable";
  } else if (status.state === "live") {
    notice.hidden = true;
  }
}

function permissionNote(permission) {
  if (permission === "denied") return "Desktop notifications are blocked in this browser's site settings.";
  return permission === "unsupported" ? "This browser has no desktop notifications." : "";
}

/** Wire the alerts button (one click: on or off), its settings panel, and other tabs' changes. */
export function wireAlertsPanel(alerts, prefsKey) {
  const toggle = $("alerts-toggle");
  const settings = $("alerts-settings");
  const panel = $("alerts-panel");
  const sync = () => {
    toggle.textContent = `Alerts: ${alerts.prefs.on ? "on" : "off"}`;
    toggle.classList.toggle("on", alerts.prefs.on);
    toggle.setAttribute("aria-pressed", String(alerts.prefs.on));
    $("alert-on").checked = alerts.prefs.on;
    $("alert-sound").checked = alerts.prefs.sound;
    $("alert-desktop").checked = alerts.prefs.desktop && alerts.desktopState() === "granted";
    $("alert-permission").textContent = permissionNote(alerts.desktopState());
  };
  toggle.addEventListener("click", () => { alerts.set("on", !alerts.prefs.on); sync(); });
  settings.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    settings.setAttribute("aria-expanded", String(!panel.hidden));
  });
  $("alert-on").addEventListener("change", (e) => { alerts.set("on", e.target.checked); sync(); });
  $("alert-sound").addEventListener("change", (e) => { alerts.set("sound", e.target.checked); sync(); });
  $("alert-desktop").addEventListener("change", async (e) => {
    const wanted = e.target.checked;
    const permission = wanted ? await alerts.askDesktop() : alerts.desktopState();
    alerts.set("desktop", wanted && permission === "granted");
    if (wanted) alerts.set("on", true);
    sync();
  });
  window.addEventListener("storage", (event) => {
    if (event.key !== prefsKey) return;
    alerts.reload();
    sync();
  });
  sync();
}
