// The filter bar: reads the view state from its controls and shows a state in them.
import * as fmt from "./format.js";
import { DEFAULTS, SORTS } from "./state.js";

const $ = (id) => document.getElementById(id);
const FILTER_KEYS = ["chain", "verdict", "minLiq", "maxAge", "watch", "pump"];

function ensureOption(select, value, label) {
  if (value && ![...select.options].some((o) => o.value === String(value))) select.add(new Option(label, String(value)));
}

export class FilterBar {
  /** `onChange(next)` receives the whole next state; `current()` returns the state shown now. */
  constructor(onChange, current) {
    this._onChange = onChange;
    this._current = current;
    const form = $("filters");
    for (const sort of SORTS) $("f-sort").add(new Option(sort.key === "verdict" ? "Risk score" : sort.label, sort.key));
    form.addEventListener("input", () => onChange(this._read()));
    form.addEventListener("change", () => onChange(this._read()));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("reset", (event) => {
      event.preventDefault();
      onChange({ ...DEFAULTS });
    });
    $("f-dir").addEventListener("click", () => {
      const state = current();
      onChange({ ...state, dir: state.dir === "asc" ? "desc" : "asc" });
    });
    $("f-more").addEventListener("click", () => {
      const collapsed = form.classList.toggle("collapsed");
      $("f-more").setAttribute("aria-expanded", String(!collapsed));
    });
  }

  _read() {
    return {
      ...this._current(),
      q: $("f-q").value.slice(0, 100),
      chain: $("f-chain").value,
      verdict: $("f-verdict").value,
      minLiq: Number($("f-liq").value) || null,
      maxAge: Number($("f-age").value) || null,
      watch: $("f-watch").checked,
      pump: $("f-pump").checked,
      sort: $("f-sort").value,
    };
  }

  /** Show `state` in the controls (after a reset, a reload or a header click). */
  show(state) {
    if ($("f-q").value !== state.q) $("f-q").value = state.q;
    $("f-chain").value = state.chain;
    $("f-verdict").value = state.verdict;
    ensureOption($("f-liq"), state.minLiq, `≥ ${fmt.usd(state.minLiq)}`);
    $("f-liq").value = state.minLiq ? String(state.minLiq) : "";
    ensureOption($("f-age"), state.maxAge, `≤ ${fmt.age(state.maxAge * 60000)}`);
    $("f-age").value = state.maxAge ? String(state.maxAge) : "";
    $("f-watch").checked = state.watch;
    $("f-pump").checked = Boolean(state.pump);
    $("f-sort").value = state.sort;
    $("f-dir").textContent = state.dir === "asc" ? "↑" : "↓";
    $("f-dir").setAttribute("aria-label", `Sort ${state.dir === "asc" ? "ascending" : "descending"}`);
    const active = FILTER_KEYS.filter((key) => state[key]).length;
    $("f-more").textContent = active ? `Filters (${active})` : "Filters";
  }
}
