// The Map page's geometry, pure: Web Mercator projection, bounds, zoom-to-fit and the part of the
// canvas a panel leaves visible. World coordinates are pixels at zoom 0 (the world is TILE wide);
// at zoom z a world point (x, y) is at (x * 2^z - view.left, y * 2^z - view.top) on the canvas.

export const TILE = 256;
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 18;
/** The highest zoom a fit goes to: a track of a few metres, or one fix, is shown with its streets. */
export const MAX_FIT_ZOOM = 17;
/** Web Mercator's latitude limit (the world square). */
const MAX_LAT = 85.0511287798;

/** {x, y}: where a latitude and longitude (degrees) fall on the world at zoom 0. */
export function project(lat, lon) {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return {
    x: ((lon + 180) / 360) * TILE,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE,
  };
}

/** The latitude (degrees) of a world y at zoom 0. */
export function latitudeAt(worldY) {
  const n = Math.PI - (2 * Math.PI * worldY) / TILE;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** {minX, minY, maxX, maxY} of world points ({x, y}), or null for none. */
export function bounds(points) {
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  return minX === Infinity ? null : { minX, minY, maxX, maxY };
}

/**
 * The view {zoom, left, top} that shows `box` (world bounds) whole inside `area` (the visible part of
 * the canvas, {left, top, width, height} in canvas pixels), `padding` pixels from its edges, centred
 * in it, at the highest integer zoom (tiles come in integer zooms) from `minZoom` to `maxZoom`.
 */
export function fitView(box, area, { padding = 30, minZoom = MIN_ZOOM, maxZoom = MAX_FIT_ZOOM } = {}) {
  const width = Math.max(1, area.width - 2 * padding);
  const height = Math.max(1, area.height - 2 * padding);
  let zoom = maxZoom;
  while (zoom > minZoom && ((box.maxX - box.minX) * 2 ** zoom > width || (box.maxY - box.minY) * 2 ** zoom > height)) zoom--;
  const s = 2 ** zoom;
  return {
    zoom,
    left: ((box.minX + box.maxX) / 2) * s - (area.left + area.width / 2),
    top: ((box.minY + box.maxY) / 2) * s - (area.top + area.height / 2),
  };
}

/** `box` (world bounds) on the canvas under `view`: {left, top, right, bottom} in canvas pixels. */
export function onCanvas(box, view) {
  const s = 2 ** view.zoom;
  return { left: box.minX * s - view.left, top: box.minY * s - view.top, right: box.maxX * s - view.left, bottom: box.maxY * s - view.top };
}

/**
 * The part of a canvas (its client rectangle) that `cover` (a panel's client rectangle, or null)
 * leaves visible, in canvas pixels: a panel over the canvas's right (or left) side takes that side
 * off. A panel beside the canvas, or a hidden one (an empty rectangle), takes nothing.
 */
export function visibleArea(canvas, cover) {
  const area = { left: 0, top: 0, width: canvas.width, height: canvas.height };
  if (!cover || cover.width === 0 || cover.height === 0) return area;
  const overlapX = Math.min(canvas.right, cover.right) - Math.max(canvas.left, cover.left);
  const overlapY = Math.min(canvas.bottom, cover.bottom) - Math.max(canvas.top, cover.top);
  if (overlapX <= 0 || overlapY <= 0) return area;
  if (cover.left - canvas.left > canvas.right - cover.right) {
    area.width = Math.max(0, cover.left - canvas.left); // on the right side
  } else {
    area.left = Math.min(canvas.width, cover.right - canvas.left); // on the left side
    area.width = canvas.width - area.left;
  }
  return area;
}

/**
 * The view moved as little as needed for the world point `p` to lie inside `area`, `margin`
 * pixels from its edges (the view unchanged when it does already).
 */
export function panToShow(view, p, area, margin = 24) {
  const s = 2 ** view.zoom;
  const x = p.x * s - view.left;
  const y = p.y * s - view.top;
  const shift = (at, from, to) => (at < from ? at - from : at > to ? at - to : 0);
  return {
    zoom: view.zoom,
    left: view.left + shift(x, area.left + margin, area.left + area.width - margin),
    top: view.top + shift(y, area.top + margin, area.top + area.height - margin),
  };
}
