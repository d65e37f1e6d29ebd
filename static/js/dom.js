// DOM building without innerHTML: strings always become text nodes; attributes are set one by one.

/**
 * el("a", { class: "x", href, dataset: { seq: 1 }, on: { click: fn } }, "text", child)
 * Attribute values are strings set with setAttribute; null/undefined/false attributes are skipped.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append children: nodes as they are, anything else as text. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An external link that opens in a new tab and tells the target nothing. */
export function externalLink(href, label, title) {
  return el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", title: title || null }, label);
}

/** Copy a text; falls back to a hidden textarea where the Clipboard API is unavailable (plain http on a LAN). */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission denied: try the old way
    }
  }
  const area = el("textarea", { readonly: true, class: "sr-only", "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}
