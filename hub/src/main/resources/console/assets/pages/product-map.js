// A tracker product's Map (console-guide.md, "Map"): the fleet's locations drawn on a canvas in Web
// Mercator over raster tiles of the configured server (console.map-tiles, in the page's
// <meta name="drover-map-tiles">). No map library: the Console has no build step and a strict CSP.
// The graticule underneath is always drawn, so the devices show with no tile server reachable; a
// notice over the map says why there are no tiles. Markers are plain dots in one canvas pass: 10,000
// stay smooth. The geometry (projection, bounds, fits, what the details panel leaves visible) is
// lib/map-geometry.js.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { followEvents } from '../lib/event-stream.js';
import { exactTime } from '../lib/format.js';
import {
  MAX_FIT_ZOOM, MAX_ZOOM, MIN_ZOOM, TILE, bounds, fitView, latitudeAt, onCanvas, panToShow, project, visibleArea,
} from '../lib/map-geometry.js';
import { plainError } from '../lib/plain-errors.js';

/** A fit to the fleet stops at this zoom: a lone device shows with its surroundings. */
const FLEET_MAX_ZOOM = 14;
/** Pixels kept between a fitted fleet or track and the edges of the visible map. */
const FIT_PADDING = 30;
/** Tile servers whose tiles are OpenStreetMap's: their licence asks for this attribution. */
const OSM_HOSTS = /(^|\.)(tile\.openstreetmap\.(org|de|fr)|openstreetmap\.org)$/;
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
  const tileHost = tiles ? new URL(tiles.replace(/[{}]/g, '')).host : '';

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
  // why the grid shows without tiles: none configured, or none of them loads
  const notice = h('div', { class: 'map-notice', role: 'status', 'data-role': 'map-notice', hidden: !!tiles },
    tiles ? '' : noTilesText());
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
        notice,
        tiles && attribution(tileHost)),
      details));

  // the view: top-left corner in world pixels at an integer zoom
  const view = { zoom: 2, left: 0, top: 0 };
  let locations = []; // the API's entries plus {lat, lon, time, x, y}, x and y in world pixels at zoom 0
  let shown = [];
  let matches = null; // null: every device; else a Set of device IDs the search found
  let track = null; // {deviceId, points: [{x, y}], box: their bounds}
  let selected = null;
  let fitted = null; // 'fleet' or 'track' while the view is a fit the user has not moved: kept on a resize
  let alive = true;
  let loads = 0;
  const tileCache = new Map();
  let tilesLoaded = 0;
  let tilesFailed = 0;

  const scale = () => 2 ** view.zoom;
  /**
   * The canvas less what the details panel covers (a panel beside the map, as on a wide window, covers
   * nothing); measured once per layout (afterLayout forgets it), not in every paint.
   */
  let measured = null;
  const area = () => {
    if (!measured || measured.width === 0) {
      measured = visibleArea(canvas.getBoundingClientRect(), details.hidden ? null : details.getBoundingClientRect());
    }
    return measured;
  };
  const setView = (next) => Object.assign(view, next);

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
      if (alive && mine === loads) error.textContent = `The locations could not be loaded: ${plainError(failure)}`;
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
      if (lookups[0].status === 'rejected') error.textContent = `Searching device names failed: ${plainError(lookups[0].reason)}`;
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

  /** The highest zoom at which every shown device fits the visible map, centred in it. */
  function fit() {
    fitted = 'fleet'; // also before the canvas has a size: the resize that gives it one fits
    const box = bounds(shown.length ? shown : locations);
    if (!box || canvas.clientWidth === 0) return;
    setView(fitView(box, area(), { padding: FIT_PADDING, maxZoom: FLEET_MAX_ZOOM }));
  }

  /** The track whole in the visible map, with padding, whatever the zoom was (a fleet's or a device's). */
  function fitTrack() {
    fitted = track?.box ? 'track' : null;
    if (!track?.box || canvas.clientWidth === 0) return;
    setView(fitView(track.box, area(), { padding: FIT_PADDING, maxZoom: MAX_FIT_ZOOM }));
  }

  /** The selected device's marker kept out from under the details panel and inside the map. */
  function keepSelectedInView() {
    if (selected && canvas.clientWidth > 0) setView(panToShow(view, selected, area()));
  }

  function zoomAt(zoom, cx, cy) {
    const next = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
    if (next === view.zoom) return;
    fitted = null;
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
    // where the track's bounds and the part of the map the details panel leaves visible are, on the canvas
    const visible = area();
    canvas.dataset.visibleArea = [visible.left, visible.top, visible.width, visible.height].map(Math.round).join(',');
    if (track?.box) {
      const box = onCanvas(track.box, view);
      canvas.dataset.trackBounds = [box.left, box.top, box.right, box.bottom].map(Math.round).join(',');
    } else {
      delete canvas.dataset.trackBounds;
    }
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
      image.onload = () => {
        tilesLoaded++;
        notice.hidden = true;
        if (alive) draw();
      };
      image.onerror = () => {
        // absent: the grid shows through, and the notice says why once none has loaded
        tilesFailed++;
        if (tilesLoaded === 0) {
          notice.textContent = `Map tiles could not be loaded from ${tileHost}: the devices show over a plain grid. `
            + 'Check that the tile server is reachable, or set console.map-tiles to another one.';
          notice.hidden = false;
        }
        canvas.dataset.tilesFailed = String(tilesFailed);
      };
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
          onclick: () => { details.hidden = true; selected = null; track = null; afterLayout(); } }, '×')),
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
    afterLayout();
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
      const points = coordinates.map(([lon, lat]) => project(lat, lon));
      track = { deviceId, points, box: bounds(points) };
      fitTrack();
      const found = answer.meta.points_found ?? coordinates.length;
      note.textContent = `${coordinates.length} ${coordinates.length === 1 ? 'point' : 'points'}`
        + `${found > coordinates.length ? ` (the latest ${coordinates.length} of ${found})` : ''}`
        + `${dateRange ? '' : ' in the last day'}.`;
      draw();
    } catch (failure) {
      note.textContent = `The track could not be loaded: ${plainError(failure)}`;
    }
  }

  // pan by dragging; a press that barely moves is a click on a marker
  let drag = null;
  let dragEnded = false; // the click the browser sends right after a drag's pointerup selects nothing
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, left: view.left, top: view.top, moved: false };
    canvas.setPointerCapture?.(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      fitted = null;
    }
    view.left = drag.left - dx;
    view.top = drag.top - dy;
    draw();
  });
  canvas.addEventListener('pointerup', () => {
    if (drag?.moved) {
      dragEnded = true;
      setTimeout(() => { dragEnded = false; }); // after that click, which the same input event dispatches
    }
    drag = null;
  });
  canvas.addEventListener('click', (e) => {
    if (dragEnded) return;
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

  // The canvas changes size with the window and when the details panel opens or closes beside it: a
  // fit is made again for the new size, else the selected marker is kept in view.
  let size = '';
  const resized = new ResizeObserver(() => {
    const now = `${canvas.clientWidth}x${canvas.clientHeight}`;
    if (now === size) return;
    size = now;
    afterLayout();
  });
  resized.observe(canvas);
  /** After the layout changed (a resize, the panel shown or hidden): refit, or keep the selected device in view. */
  function afterLayout() {
    measured = null;
    if (fitted === 'fleet') fit();
    else if (fitted === 'track') fitTrack();
    keepSelectedInView();
    draw();
  }

  draw();
  load({ refit: true });
  return () => {
    alive = false;
    stream.close();
    clearTimeout(typing);
    resized.disconnect();
    if (frame) cancelAnimationFrame(frame);
  };
}

/** What to tell a user whose Console has no tile server configured. */
function noTilesText() {
  return 'No map tiles: set console.map-tiles (DROVER_CONSOLE_MAP_TILES) to a tile server\'s URL template, '
    + 'such as https://tile.openstreetmap.org/{z}/{x}/{y}.png. The devices show over a plain grid meanwhile.';
}

/**
 * The tiles' attribution, bottom right as map licences ask: OpenStreetMap's own words and link for its
 * tiles, else the configured text (console.map-attribution, in the page's meta tag), else the host.
 */
function attribution(host) {
  const configured = document.querySelector('meta[name="drover-map-attribution"]')?.content?.trim();
  const el = h('div', { class: 'map-attribution', 'data-role': 'map-attribution' });
  if (configured) {
    el.textContent = configured;
  } else if (OSM_HOSTS.test(host.replace(/:\d+$/, ''))) {
    el.append('© ', h('a', { href: 'https://www.openstreetmap.org/copyright', target: '_blank', rel: 'noopener' }, 'OpenStreetMap'), ' contributors');
  } else {
    el.textContent = `Map tiles: ${host}`;
  }
  return el;
}
