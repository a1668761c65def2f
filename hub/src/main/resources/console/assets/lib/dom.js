// Building the page from plain DOM calls. Text always goes in as text (never as HTML), so a device
// name or an event's data cannot inject markup.

/**
 * Makes an element: h('button', {class: 'btn', onclick: fn, 'aria-label': 'Close'}, 'text', child).
 * Props: `class`, `text`, `dataset` (object), `on<event>` (listener), booleans (set when true), and
 * any other attribute by name. Children: nodes, strings, numbers; null, undefined and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** An inline SVG icon from the small set the Console uses (stroke icons, 20 x 20, currentColor). */
export function icon(name, extraClass = '') {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 20 20');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon ${extraClass}`.trim());
  for (const d of ICONS[name] ?? []) {
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

const ICONS = {
  devices: ['M5 3.5h10a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5H5A1.5 1.5 0 0 1 3.5 12V5A1.5 1.5 0 0 1 5 3.5z', 'M7 16.5h6', 'M10 13.5v3'],
  events: ['M2.5 10h3l2-5 3 10 2-5h5'],
  integrations: ['M8 4.5H5.5a1 1 0 0 0-1 1V8', 'M12 4.5h2.5a1 1 0 0 1 1 1V8', 'M8 15.5H5.5a1 1 0 0 1-1-1V12', 'M12 15.5h2.5a1 1 0 0 0 1-1V12', 'M7.5 10h5'],
  products: ['M10 2.8l6.5 3.6v7.2L10 17.2l-6.5-3.6V6.4z', 'M3.5 6.4L10 10l6.5-3.6', 'M10 10v7.2'],
  sims: ['M6 2.5h5.5l3.5 3.5v10a1.5 1.5 0 0 1-1.5 1.5h-7.5A1.5 1.5 0 0 1 4.5 16V4A1.5 1.5 0 0 1 6 2.5z', 'M7.5 10h5v4.5h-5z'],
  billing: ['M3.5 5.5h13a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1h-13a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z', 'M2.5 8.5h15', 'M5.5 12h3'],
  team: ['M7.5 9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z', 'M2.5 16a5 5 0 0 1 10 0', 'M13 4.2a2.5 2.5 0 0 1 0 4.6', 'M14.5 11.3a5 5 0 0 1 3 4.7'],
  settings: ['M10 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z', 'M10 2.5v2M10 15.5v2M2.5 10h2M15.5 10h2M4.7 4.7l1.4 1.4M13.9 13.9l1.4 1.4M4.7 15.3l1.4-1.4M13.9 6.1l1.4-1.4'],
  plus: ['M10 4.5v11', 'M4.5 10h11'],
  search: ['M9 15a6 6 0 1 0 0-12 6 6 0 0 0 0 12z', 'M17 17l-3.8-3.8'],
  chevron: ['M8 5l5 5-5 5'],
  back: ['M12 5l-5 5 5 5'],
  signout: ['M8 3.5H5A1.5 1.5 0 0 0 3.5 5v10A1.5 1.5 0 0 0 5 16.5h3', 'M13 13.5L16.5 10 13 6.5', 'M16.5 10H8'],
  warning: ['M10 3l7.5 13h-15z', 'M10 8.5v3', 'M10 14h.01'],
  key: ['M7 12.5a3.5 3.5 0 1 1 2.9-5.5', 'M9.9 7H17.5v2.5', 'M15 7v2.5', 'M7 9a1 1 0 1 0 0 .01'],
  firmware: ['M10 2.5v9', 'M6.5 8l3.5 3.5L13.5 8', 'M3.5 13v2.5a1 1 0 0 0 1 1h11a1 1 0 0 0 1-1V13'],
  groups: ['M3.5 3.5h5v5h-5z', 'M11.5 3.5h5v5h-5z', 'M3.5 11.5h5v5h-5z', 'M11.5 11.5h5v5h-5z'],
  customers: ['M10 9.5a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M4 17a6 6 0 0 1 12 0'],
  map: ['M2.5 5l5-2 5 2 5-2v12l-5 2-5-2-5 2z', 'M7.5 3v12', 'M12.5 5v12'],
  logs: ['M4 4.5h12', 'M4 8.5h12', 'M4 12.5h8', 'M4 16.5h5'],
  menu: ['M3.5 5.5h13', 'M3.5 10h13', 'M3.5 14.5h13'],
  chip: ['M6 6h8v8H6z', 'M8 2.5v3M12 2.5v3M8 14.5v3M12 14.5v3M2.5 8h3M2.5 12h3M14.5 8h3M14.5 12h3'],
};

/** An SVG element: svg('rect', {x: 1, y: 2}, child); attributes as given, children nodes or text. */
export function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  return append(el, children);
}
