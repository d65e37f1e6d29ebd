// The owner key: shown on request, to copy to another device, and a key from another device pasted in.
import { copyText } from "../dom.js";
import { KEY_FORMAT } from "./watchers.js";

const $ = (id) => document.getElementById(id);

export class KeyBox {
  /** `api` holds the key; `onUse(key)` starts over under a pasted key. */
  constructor(api, onUse) {
    this._api = api;
    this._onUse = onUse;
    $("key-show").addEventListener("click", () => this._toggle());
    $("key-copy").addEventListener("click", () => this._copy());
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this._paste();
    });
  }

  /** Show the key (when asked to) or say there is none yet. */
  render() {
    const key = this._api.key;
    const shown = $("key-show").getAttribute("aria-expanded") === "true";
    $("key-current").hidden = !key;
    $("key-none").hidden = Boolean(key);
    $("key-value").hidden = !shown;
    $("key-value").textContent = shown && key ? key : "";
    $("key-copy").hidden = !shown;
  }

  _toggle() {
    const shown = $("key-show").getAttribute("aria-expanded") === "true";
    $("key-show").setAttribute("aria-expanded", String(!shown));
    $("key-show").textContent = shown ? "Show key" : "Hide key";
    this.render();
  }

  async _copy() {
    const done = await copyText(this._api.key || "");
    $("key-copy").textContent = done ? "Copied" : "Copy failed";
    setTimeout(() => { $("key-copy").textContent = "Copy"; }, 1500);
  }

  /** Use a pasted key, once the server shows it keeps watchers under it (a mistyped key changes nothing). */
  async _paste() {
    const input = $("key-input");
    const key = input.value.trim();
    if (!KEY_FORMAT.test(key)) return this._note("That is not an owner key: it has 32 to 64 letters, digits, - or _.");
    let found;
    try {
      found = await this._api.list(key);
    } catch (error) {
      return this._note(`Could not check the key: ${error.message}`);
    }
    if (!found.length) return this._note("No watcher is kept under this key (mistyped, or its watchers were deleted): nothing changed.");
    this._onUse(key);
    input.value = "";
    return this._note(`Using the pasted key: ${found.length} watcher${found.length > 1 ? "s" : ""}.`, "done");
  }

  _note(text, state = "error") {
    $("key-note").dataset.state = state;
    $("key-note").textContent = text;
  }
}
