// A tracker product's Map (console-guide.md, "Map"): the fleet's locations drawn on a canvas in Web
// Mercator over raster tiles of the configured server (console.map-tiles, in the page's
// <meta name="drover-map-tiles">). No map library: the Console has no build step and a strict CSP.
// Tiles that fail to load are simply absent; the graticule underneath is always drawn, so the devices
// show with no tile server reachable. Markers are plain dots in one canvas pass: 10,000 stay smooth.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { followEvents } from '../lib/event-stream.js';
import { exactTime } from '../lib/format.js';

const TILE = 256;
const MIN_ZOOM = 1;
const MAX_ZOOM = 18;
const MAX_LAT = 85.0511287798;
/** Pages of locations fetched at once (each up to the API's 1,000). */
const PARALLEL_PAGES = 4;
/** Marker positions are exposed for tests and tools only up to this many markers. */
const EXPOSED_POINTS = 500;
const RANGES = {
  last: { label: 'Last known location', ms: 0 },
  hour: { label: 'Last hour', ms: 3_600_000 },
  day: { label: 'Last day', ms: 86_400_000 },
  week: { label: 'Last week', ms: 7 * 86_400_000 },
  custom: { label: 'Custom range', ms: 0 },
};

export function productMapPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: product }, { label: 'Map' }]);
  const tiles = document.querySelector('meta[name="drover-map-tiles"]')?.content ?? '';

  const canvas = h('canvas', { class: 'map-canvas', 'data-role': 'map', 'data-marker-count': '0', 'aria-label': 'Map of the fleet' });
  const summary = h('p', { class: 'page-subtitle', 'data-role': 'map-summary' }, 'Loading…');
  const search = h('input', {
    type: 'search', class: 'input input-search', placeholder: 'Device ID, name or group', 'aria-label': 'Search devices on the map',
    'data-role': 'map-search',
  });
  const rangeSelect = h('select', { class: 'input', 'aria-label': 'Time range', 'data-role': 'map-range' },
    Object.entries(RANGES).map(([value, { label }]) => h('option', { value }, label)));
  const fromInput = h('input', { type: 'datetime-local', class: 'input', 'aria-label': 'From', 'data-role': 'map-from', hidden: true });
  const toInput = h('input', { type: 'datetime-local', class: 'input', 'aria-label': 'To', 'data-role': 'map-to', hidden: true });
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'map-error' });
  const details = h('aside', { class: 'map-details card', 'data-role': 'map-details', hidden: true });
  const button = (text, label, action, onclick) => h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': label, 'data-action': action, onclick }, text);

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Map'),
        summary),
      h('div', { class: 'page-actions' },
        // the gear icon of the guide: the fleet's tracker settings, their sync state and the data-usage calculator
        h('a', {
          class: 'btn btn-sm', href: `/products/${encodeURIComponent(product)}/tracker-settings`,
          'data-action': 'tracker-settings', 'aria-label': 'Fleet settings', title: 'Fleet settings',
        }, icon('settings'), 'Settings'),
        button('Refresh', 'Reload the locations', 'map-refresh', () => load()))),
    h('div', { class: 'toolbar map-toolbar' }, h('div', { class: 'search' }, icon('search', 'search-icon'), search), rangeSelect, fromInput, toInput),
    error,
    h('div', { class: 'map-layout' },
      h('div', { class: 'map-frame' },
        canvas,
        h('div', { class: 'map-controls' },
          button('+', 'Zoom in', 'zoom-in', () => zoomAt(view.zoom + 1, canvas.clientWidth / 2, canvas.clientHeight / 2)),
          button('−', 'Zoom out', 'zoom-out', () => zoomAt(view.zoom - 1, canvas.clientWidth / 2, canvas.clientHeight / 2)),
          button('Fit', 'Fit the map to the devices', 'fit', () => { fit(); draw(); })),
        tiles && h('div', { class: 'map-attribution' }, 'Map tiles: ', new URL(tiles.replace(/[{}]/g, '')).host)),
      details));

  // the view: top-left corner in world pixels at an integer zoom
  const view = { zoom: 2, left: 0, top: 0 };
  let locations = []; // the API's entries plus {lat, lon, time, x, y}, x and y in world pixels at zoom 0
  let shown = [];
  let matches = null; // null: every device; else a Set of device IDs the search found
  let track = null; // {deviceId, points: [{x, y}]}
  let selected = null;
  let alive = true;
  let loads = 0;
  const tileCache = new Map();

  function project(lat, lon) {
    const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
    const sin = Math.sin((clamped * Math.PI) / 180);
    return {
      x: ((lon + 180) / 360) * TILE,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE,
    };
  }
  const scale = () => 2 ** view.zoom;

  function range() {
    const choice = rangeSelect.value;
    if (choice === 'last') return null;
    if (choice === 'custom') {
      const from = Date.parse(fromInput.value);
      const to = Date.parse(toInput.value);
      if (Number.isNaN(from) || Number.isNaN(to) || from >= to) return undefined;
      return `${new Date(from).toISOString()},${new Date(to).toISOString()}`;
    }
    const now = Date.now();
    return `${new Date(now - RANGES[choice].ms).toISOString()},${new Date(now + 60_000).toISOString()}`;
  }

  async function load({ refit = false } = {}) {
    const dateRange = range();
    if (dateRange === undefined) {
      error.textContent = 'Choose a custom range whose start is before its end.';
      return;
    }
    error.textContent = '';
    const mine = ++loads;
    try {
      const query = (page) => ({ per_page: 1000, page, ...(dateRange ? { date_range: dateRange } : {}) });
      const first = await api.productLocations(product, query(1));
      const all = [...first.locations];
      const pages = first.meta.total_pages;
      for (let next = 2; next <= pages; next += PARALLEL_PAGES) {
        const batch = [];
        for (let page = next; page < next + PARALLEL_PAGES && page <= pages; page++) batch.push(api.productLocations(product, query(page)));
        for (const answer of await Promise.all(batch)) all.push(...answer.locations);
      }
      if (!alive || mine !== loads) return;
      // Particle's shape: a GeoJSON Point [lon, lat, alt] and the fix's time in timestamps
      locations = all.map((location) => {
        const [lon, lat] = location.geometry.coordinates;
        return { ...location, lat, lon, time: location.timestamps[location.timestamps.length - 1], ...project(lat, lon) };
      });
      if (refit) fit();
      applySearch({ refit: true });
    } catch (failure) {
      if (alive && mine === loads) error.textContent = `The locations could not be loaded: ${failure.message}`;
    }
  }

  /** Device ID matches locally (any part); names and groups through the product's device list. */
  let searches = 0;
  async function searchFor(text) {
    const mine = ++searches;
    const term = text.trim().toLowerCase();
    if (!term) {
      matches = null;
    } else {
      const found = new Set(locations.filter((location) => location.device_id.includes(term)).map((location) => location.device_id));
      // group names are lower case letters, digits, _ and -: another text is not looked up as one
      const lookups = await Promise.allSettled([
        api.productDevices(product, { deviceName: text.trim(), per_page: 100 }),
        /^[a-z0-9_-]{1,64}$/.test(term) ? api.productDevices(product, { groups: term, per_page: 100 }) : Promise.resolve({ devices: [] }),
      ]);
      if (!alive || mine !== searches) return;
      for (const lookup of lookups) {
        if (lookup.status === 'fulfilled') for (const device of lookup.value.devices) found.add(device.id);
      }
      if (lookups[0].status === 'rejected') error.textContent = `Searching device names failed: ${lookups[0].reason.message}`;
      matches = found;
    }
    applySearch({ refit: true });
  }

  function applySearch({ refit = false } = {}) {
    shown = matches ? locations.filter((location) => matches.has(location.device_id)) : locations;
    if (refit && matches && shown.length > 0) fit();
    const total = locations.length;
    summary.textContent = matches
      ? `${shown.length.toLocaleString()} of ${total.toLocaleString()} devices match`
      : `${total.toLocaleString()} ${total === 1 ? 'device' : 'devices'} with a location${rangeSelect.value === 'last' ? '' : ' in the range'}`;
    draw();
  }

  /** The highest zoom at which every shown device (and the track) fits, centred. */
  function fit() {
    const points = shown.length ? shown : locations;
    if (points.length === 0) return;
    let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
    for (const p of points) {
      minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
    }
    const width = canvas.clientWidth || 800;
    const height = canvas.clientHeight || 500;
    let zoom = MAX_ZOOM - 4;
    while (zoom > MIN_ZOOM && ((maxX - minX) * 2 ** zoom > width - 60 || (maxY - minY) * 2 ** zoom > height - 60)) zoom--;
    view.zoom = zoom;
    view.left = ((minX + maxX) / 2) * 2 ** zoom - width / 2;
    view.top = ((minY + maxY) / 2) * 2 ** zoom - height / 2;
  }

  function zoomAt(zoom, cx, cy) {
    const next = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
    if (next === view.zoom) return;
    const factor = 2 ** (next - view.zoom);
    view.left = (view.left + cx) * factor - cx;
    view.top = (view.top + cy) * factor - cy;
    view.zoom = next;
    draw();
  }

  let frame = 0;
  function draw() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paint();
    });
  }

  function paint() {
    const started = performance.now();
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = '#eef1f5';
    g.fillRect(0, 0, width, height);
    graticule(g, width, height);
    if (tiles) drawTiles(g, width, height);

    const s = scale();
    if (track) {
      g.strokeStyle = '#d0342c';
      g.lineWidth = 2;
      g.beginPath();
      track.points.forEach((p, i) => (i ? g.lineTo(p.x * s - view.left, p.y * s - view.top) : g.moveTo(p.x * s - view.left, p.y * s - view.top)));
      g.stroke();
      g.fillStyle = '#d0342c';
      for (const p of track.points) g.fillRect(p.x * s - view.left - 2.5, p.y * s - view.top - 2.5, 5, 5);
    }

    // the dots: one path, one fill; those outside the canvas cost one comparison each
    g.fillStyle = '#2f5bea';
    g.strokeStyle = '#ffffff';
    g.lineWidth = 1.5;
    g.beginPath();
    const exposed = [];
    // smaller dots for a crowd, so that a dense fleet still reads as points
    const radius = shown.length > 1000 ? 3 : 5;
    for (const p of shown) {
      const x = p.x * s - view.left;
      const y = p.y * s - view.top;
      if (x < -6 || y < -6 || x > width + 6 || y > height + 6) continue;
      g.moveTo(x + radius, y);
      g.arc(x, y, radius, 0, 2 * Math.PI);
      if (exposed.length < EXPOSED_POINTS) exposed.push(`${p.device_id}@${Math.round(x)},${Math.round(y)}`);
    }
    g.fill();
    if (shown.length <= 2000) g.stroke();
    if (selected) {
      const x = selected.x * s - view.left;
      const y = selected.y * s - view.top;
      g.strokeStyle = '#111827';
      g.lineWidth = 2.5;
      g.beginPath();
      g.arc(x, y, 8, 0, 2 * Math.PI);
      g.stroke();
    }
    canvas.dataset.markerCount = String(shown.length);
    canvas.dataset.markerIds = shown.map((p) => p.device_id).join(',');
    canvas.dataset.markerPoints = exposed.join(';');
    canvas.dataset.zoom = String(view.zoom);
    canvas.dataset.trackPoints = String(track ? track.points.length : 0);
    canvas.dataset.paintMs = (performance.now() - started).toFixed(1);
  }

  /** Lines of latitude and longitude, spaced for the zoom, so the map reads without tiles. */
  function graticule(g, width, height) {
    const s = scale();
    const step = [90, 45, 30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001].find((d) => (d / 360) * TILE * s < 160) ?? 0.001;
    g.strokeStyle = '#d5dae2';
    g.lineWidth = 1;
    g.beginPath();
    const westLon = ((view.left / s / TILE) * 360) - 180;
    const eastLon = (((view.left + width) / s / TILE) * 360) - 180;
    for (let lon = Math.ceil(westLon / step) * step; lon <= eastLon; lon += step) {
      const x = ((lon + 180) / 360) * TILE * s - view.left;
      g.moveTo(x, 0);
      g.lineTo(x, height);
    }
    for (let lat = -80; lat <= 80; lat += step >= 1 ? step : 1) {
      if (step < 1) break;
      const y = project(lat, 0).y * s - view.top;
      if (y >= 0 && y <= height) { g.moveTo(0, y); g.lineTo(width, y); }
    }
    if (step < 1) {
      const northLat = latitudeAt(view.top / s);
      const southLat = latitudeAt((view.top + height) / s);
      for (let lat = Math.ceil(southLat / step) * step; lat <= northLat; lat += step) {
        const y = project(lat, 0).y * s - view.top;
        g.moveTo(0, y);
        g.lineTo(width, y);
      }
    }
    g.stroke();
  }

  function latitudeAt(worldY) {
    const n = Math.PI - (2 * Math.PI * worldY) / TILE;
    return (180 / Math.PI) * Math.atan(Math.sinh(n));
  }

  function drawTiles(g, width, height) {
    const z = view.zoom;
    const count = 2 ** z;
    for (let ty = Math.floor(view.top / TILE); ty * TILE < view.top + height; ty++) {
      if (ty < 0 || ty >= count) continue;
      for (let tx = Math.floor(view.left / TILE); tx * TILE < view.left + width; tx++) {
        const wrapped = ((tx % count) + count) % count;
        const image = tile(z, wrapped, ty);
        if (image.complete && image.naturalWidth > 0) g.drawImage(image, tx * TILE - view.left, ty * TILE - view.top, TILE, TILE);
      }
    }
  }

  function tile(z, x, y) {
    const key = `${z}/${x}/${y}`;
    let image = tileCache.get(key);
    if (!image) {
      image = new Image();
      image.onload = () => alive && draw();
      image.onerror = () => {}; // absent: the grid shows through
      image.src = tiles.replace('{z}', z).replace('{x}', x).replace('{y}', y);
      if (tileCache.size > 500) tileCache.delete(tileCache.keys().next().value);
      tileCache.set(key, image);
    }
    return image;
  }

  function markerAt(cx, cy) {
    const s = scale();
    let best = null;
    let bestDistance = 64; // within 8 px
    for (const p of shown) {
      const dx = p.x * s - view.left - cx;
      const dy = p.y * s - view.top - cy;
      const distance = dx * dx + dy * dy;
      if (distance < bestDistance) { best = p; bestDistance = distance; }
    }
    return best;
  }

  async function showDetails(location) {
    selected = location;
    track = null;
    const loc = location.loc ?? {};
    const name = h('dd', { 'data-role': 'detail-name' }, '…');
    const trackButton = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'track' }, 'Track');
    const trackNote = h('p', { class: 'muted', 'data-role': 'track-note' });
    trackButton.addEventListener('click', () => drawTrack(location.device_id, trackNote));
    const row = (label, value, role) => [h('dt', {}, label), h('dd', { 'data-role': role }, value ?? '—')];
    replace(details,
      h('div', { class: 'map-details-head' },
        h('h2', { class: 'card-title' }, 'Device'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': 'Close', 'data-action': 'close-details',
          onclick: () => { details.hidden = true; selected = null; track = null; draw(); } }, '×')),
      h('dl', { class: 'map-details-list' },
        row('Device ID', h('a', { href: `/devices/${encodeURIComponent(location.device_id)}` }, h('code', {}, location.device_id)), 'detail-id'),
        h('dt', {}, 'Name'), name,
        row('Time', exactTime(location.time), 'detail-time'),
        row('Latitude, longitude', `${location.lat.toFixed(6)}, ${location.lon.toFixed(6)}`, 'detail-position'),
        row('Accuracy', typeof loc.h_acc === 'number' ? `${loc.h_acc} m` : null, 'detail-accuracy'),
        row('Battery', typeof loc.batt === 'number' ? `${loc.batt}%` : null, 'detail-battery')),
      trackButton, trackNote);
    details.hidden = false;
    details.dataset.deviceId = location.device_id;
    draw();
    try {
      const answer = await api.productDevices(product, { deviceId: location.device_id, per_page: 1 });
      const device = answer.devices.find((d) => d.id === location.device_id);
      name.textContent = device?.name ?? 'Unnamed';
      if (device?.groups?.length) name.append(` (groups: ${device.groups.join(', ')})`);
    } catch {
      name.textContent = '—';
    }
  }

  /** The device's points over the range (the last day when the map shows last known locations). */
  async function drawTrack(deviceId, note) {
    note.textContent = 'Loading the track…';
    try {
      const dateRange = range();
      const now = Date.now();
      const lastDay = `${new Date(now - RANGES.day.ms).toISOString()},${new Date(now + 60_000).toISOString()}`;
      const answer = await api.deviceLocations(product, deviceId, { date_range: dateRange ?? lastDay });
      if (!alive || selected?.device_id !== deviceId) return;
      // oldest first: a LineString, or a Point when the range holds one fix
      const geometry = answer.location.geometry;
      const coordinates = !geometry ? [] : geometry.type === 'Point' ? [geometry.coordinates] : geometry.coordinates;
      track = { deviceId, points: coordinates.map(([lon, lat]) => project(lat, lon)) };
      const found = answer.meta.points_found ?? coordinates.length;
      note.textContent = `${coordinates.length} ${coordinates.length === 1 ? 'point' : 'points'}`
        + `${found > coordinates.length ? ` (the latest ${coordinates.length} of ${found})` : ''}`
        + `${dateRange ? '' : ' in the last day'}.`;
      draw();
    } catch (failure) {
      note.textContent = `The track could not be loaded: ${failure.message}`;
    }
  }

  // pan by dragging; a press that barely moves is a click on a marker
  let drag = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, left: view.left, top: view.top, moved: false };
    canvas.setPointerCapture?.(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.left = drag.left - dx;
    view.top = drag.top - dy;
    draw();
  });
  canvas.addEventListener('pointerup', () => { drag = null; });
  canvas.addEventListener('click', (e) => {
    if (drag?.moved) return;
    const box = canvas.getBoundingClientRect();
    const hit = markerAt(e.clientX - box.left, e.clientY - box.top);
    if (hit) showDetails(hit);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const box = canvas.getBoundingClientRect();
    zoomAt(view.zoom + (e.deltaY < 0 ? 1 : -1), e.clientX - box.left, e.clientY - box.top);
  }, { passive: false });

  let typing = 0;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => searchFor(search.value), 250);
  });
  rangeSelect.addEventListener('change', () => {
    const custom = rangeSelect.value === 'custom';
    fromInput.hidden = !custom;
    toInput.hidden = !custom;
    if (!custom || (fromInput.value && toInput.value)) load();
  });
  fromInput.addEventListener('change', () => load());
  toInput.addEventListener('change', () => load());
  // Live: a loc event moves its device's marker at once (a custom range is a fixed window: not there).
  // The latest fix wins, as for the API's last known location, whatever the order of arrival.
  let pendingLive = false;
  function arrive(event) {
    if (rangeSelect.value === 'custom') return;
    let body;
    try {
      body = JSON.parse(event.data);
    } catch {
      return;
    }
    const loc = body?.loc;
    if (body?.cmd !== 'loc' || typeof loc?.lat !== 'number' || typeof loc?.lon !== 'number'
      || Math.abs(loc.lat) > 90 || Math.abs(loc.lon) > 180) return;
    const seconds = typeof body.time === 'number' ? body.time : loc.time;
    const time = typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : event.published_at;
    const index = locations.findIndex((location) => location.device_id === event.coreid);
    if (index >= 0 && Date.parse(locations[index].time) > Date.parse(time)) return;
    const location = { device_id: event.coreid, time, lat: loc.lat, lon: loc.lon, loc, trig: body.trig ?? [], ...project(loc.lat, loc.lon) };
    if (index >= 0) locations[index] = location;
    else locations.push(location);
    if (selected?.device_id === location.device_id) selected = location;
    if (!pendingLive) {
      pendingLive = true;
      requestAnimationFrame(() => {
        pendingLive = false;
        if (alive) applySearch();
      });
    }
  }
  const stream = followEvents(`/v1/products/${encodeURIComponent(product)}/events/loc`, {
    onEvent: arrive,
    onState: (state) => { canvas.dataset.live = state; },
  });

  const resize = () => draw();
  window.addEventListener('resize', resize);

  draw();
  load({ refit: true });
  return () => {
    alive = false;
    stream.close();
    clearTimeout(typing);
    window.removeEventListener('resize', resize);
    if (frame) cancelAnimationFrame(frame);
  };
}
