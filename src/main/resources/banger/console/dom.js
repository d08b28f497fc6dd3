// Builds DOM nodes. Text from the daemon only ever becomes text nodes (never HTML): this file has no
// innerHTML, and neither has any other module of the console.

/**
 * el('td', {class: 'state', dataset: {state: 'running'}}, 'running') -> <td class="state" data-state="running">.
 * Attribute values are set as properties or attributes, children as nodes or text; null children are skipped.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of {@code node}. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// escape sequences (colours, cursor moves) and control characters other than tab and newline
const TERMINAL_NOISE = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** A process's or a console's output as plain text: CRLF as newlines, escape sequences and controls dropped. */
export function plainText(text) {
  return text.replace(/\r\n?/g, '\n').replace(TERMINAL_NOISE, '');
}

/**
 * Appends {@code text} to {@code pre} (as a text node), keeping at most about {@code keep} characters and
 * staying scrolled to the bottom if it was there.
 */
export function appendBounded(pre, text, keep) {
  if (!text) return;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(document.createTextNode(text));
  if (pre.textContent.length > keep * 2) pre.textContent = pre.textContent.slice(-keep);
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function age(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor(s % 3600 / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor(s % 86400 / 3600)}h`;
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}
