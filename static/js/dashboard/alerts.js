// Opt-in alerts for new tokens that pass the filters: toast, sound, tab title counter, desktop notification.

export const PREFS_KEY = "tokenDiscovery.alerts";

/** Alert preferences kept in this browser. */
export class Alerts {
  constructor(storage, baseTitle) {
    this._storage = storage;
    this._baseTitle = baseTitle;
    this._unseen = 0;
    this._audio = null;
    this.prefs = { on: false, sound: false, desktop: false };
    this.reload();
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.resetCounter();
    });
  }

  /** Read the preferences kept in this browser (another tab may have changed them). */
  reload() {
    try {
      const kept = JSON.parse(this._storage.getItem(PREFS_KEY) || "{}");
      for (const name of Object.keys(this.prefs)) this.prefs[name] = Boolean(kept[name]);
    } catch {
      // unreadable preferences: keep what we have (all off by default)
    }
  }

  /** Change a preference and keep it. */
  set(name, value) {
    this.prefs[name] = Boolean(value);
    try {
      this._storage.setItem(PREFS_KEY, JSON.stringify(this.prefs));
    } catch {
      // storage disabled: the preference lasts for this page
    }
  }

  /** Ask for the Notification permission (a user gesture must call this); the state afterwards. */
  async askDesktop() {
    if (!("Notification" in window)) return "unsupported";
    if (Notification.permission === "default") await Notification.requestPermission();
    return Notification.permission;
  }

  /** The permission as the settings panel shows it. */
  desktopState() {
    return "Notification" in window ? Notification.permission : "unsupported";
  }

  /** Alert for one new token (already known to pass the filters); `onOpen` shows it. */
  notify(title, body, onOpen, tag = title) {
    if (!this.prefs.on) return false;
    if (document.hidden) {
      this._unseen += 1;
      document.title = `(${this._unseen}) ${this._baseTitle}`;
    }
    if (this.prefs.sound) this._beep();
    if (this.prefs.desktop && document.hidden && this.desktopState() === "granted") {
      const note = new Notification(title, { body, tag: `token-${tag}`, silent: this.prefs.sound });
      note.onclick = () => {
        window.focus();
        onOpen?.();
        note.close();
      };
    }
    return true;
  }

  /** The tab is looked at again: no unseen alerts. */
  resetCounter() {
    this._unseen = 0;
    document.title = this._baseTitle;
  }

  /** A short two-tone chime, synthesised (no audio file to fetch). */
  _beep() {
    try {
      this._audio = this._audio || new AudioContext();
      const ctx = this._audio;
      const gain = ctx.createGain();
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
      gain.connect(ctx.destination);
      for (const [frequency, start] of [[880, 0], [1320, 0.12]]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = frequency;
        osc.connect(gain);
        osc.start(ctx.currentTime + start);
        osc.stop(ctx.currentTime + start + 0.2);
      }
      window.dispatchEvent(new CustomEvent("tokendiscovery:chime"));
    } catch {
      // no audio output: the other alerts still work
    }
  }
}
