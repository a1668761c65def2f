// Drives particle-api-js 12.0.3's product event and tracker location calls against a Drover node, as a
// fleet application would, and prints one JSON line per step with what the node answered, for
// ParticleApiJsProductDataTest to check.
//
//   node api-js-product-data.mjs BASE_URL PRODUCT TRACKER_PRODUCT TRACKED_DEVICE_ID
//
// Environment: DROVER_TOKEN, an access token of an administrator of PRODUCT and TRACKER_PRODUCT;
// DROVER_OTHER_TOKEN, one of an account in neither.
//
// Exits 0 when every step succeeded, 1 at the first failure (printed as {"step":..,"error":..}).
import Particle from 'particle-api-js';

const STEP_TIMEOUT_MS = 15_000;
const [baseUrl, product, trackerProduct, trackedDevice] = process.argv.slice(2);
const auth = process.env.DROVER_TOKEN;
const otherAuth = process.env.DROVER_OTHER_TOKEN;
if (!auth || !otherAuth) {
  throw new Error('DROVER_TOKEN and DROVER_OTHER_TOKEN must be set');
}

function report(step, values) {
  process.stdout.write(JSON.stringify({ step, ...values }) + '\n');
}

async function step(name, action) {
  try {
    return await action();
  } catch (error) {
    const { response, ...body } = error.body ?? {};
    report(name, { error: error.message ?? error.errorDescription ?? String(error), statusCode: error.statusCode ?? null, body });
    process.exit(1);
  }
}

/** A call that must fail: its status and error body. */
async function refused(name, action) {
  try {
    await action();
  } catch (error) {
    report(name, { statusCode: error.statusCode ?? null, error: error.body?.error ?? null, description: error.body?.error_description ?? null,
      ok: error.body?.ok ?? null });
    return;
  }
  report(name, { error: 'the call succeeded' });
  process.exit(1);
}

function nextEvent(stream, matches, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.removeListener('event', onEvent);
      reject(new Error(`no ${what} on the stream within ${STEP_TIMEOUT_MS} ms`));
    }, STEP_TIMEOUT_MS);
    function onEvent(event) {
      if (matches(event)) {
        clearTimeout(timer);
        stream.removeListener('event', onEvent);
        resolve(event);
      }
    }
    stream.on('event', onEvent);
  });
}

const particle = new Particle({ baseUrl });

// product events: the product's stream (all of it, and by prefix), then an event published as the product
const stream = await step('getEventStream', () => particle.getEventStream({ product, auth }));
const prefixed = await step('getEventStreamByName', () => particle.getEventStream({ product, name: 'fleet/', auth }));
const published = { name: 'fleet/announcement', data: `from api-js ${Date.now()}` };
await step('publishEvent', async () => {
  const onStream = nextEvent(stream, (e) => e.name === published.name && e.data === published.data, 'the product event');
  const onPrefixed = nextEvent(prefixed, (e) => e.name === published.name && e.data === published.data, 'the product event by prefix');
  const { statusCode, body } = await particle.publishEvent({ name: published.name, data: published.data, isPrivate: true, product, auth });
  report('publishEvent', { statusCode, ok: body.ok });
  const event = await onStream;
  await onPrefixed;
  report('productEventReceived', {
    name: event.name, data: event.data, coreid: event.coreid, ttl: event.ttl, published_at: event.published_at, productID: event.productID,
    userid: event.userid ?? null, public: event.public,
  });
});
stream.abort();
prefixed.abort();

await refused('publishEventOthersProduct', () => particle.publishEvent({ name: 'fleet/intrusion', data: 'x', isPrivate: true, product,
  auth: otherAuth }));
await step('getEventStreamOthersProduct', async () => {
  try {
    const opened = await particle.getEventStream({ product, auth: otherAuth });
    opened.abort();
    report('getEventStreamOthersProduct', { error: 'the stream opened' });
    process.exit(1);
  } catch (error) {
    report('getEventStreamOthersProduct', { statusCode: error.statusCode ?? null, error: error.body?.error ?? null });
  }
});

// tracker locations
await step('getProductLocations', async () => {
  const { statusCode, body } = await particle.getProductLocations({ product: trackerProduct, perPage: 10, auth });
  report('getProductLocations', { statusCode, body });
});
await step('getProductLocationsFiltered', async () => {
  const { body } = await particle.getProductLocations({
    product: trackerProduct, dateRange: '2026-11-27T00:00:00Z,2026-11-28T00:00:00Z', rectBl: '42,-76', rectTr: '43,-74',
    deviceName: 'truck', groups: ['reefers', 'vans'], page: 1, perPage: 5, auth,
  });
  report('getProductLocationsFiltered', { body });
});
await step('getProductLocationsOtherGroup', async () => {
  const { body } = await particle.getProductLocations({ product: trackerProduct, groups: ['vans'], auth });
  report('getProductLocationsOtherGroup', { body });
});
await step('getProductDeviceLocations', async () => {
  const { statusCode, body } = await particle.getProductDeviceLocations({
    product: trackerProduct, deviceId: trackedDevice, dateRange: '2026-11-27T00:00:00Z,2026-11-28T00:00:00Z', auth,
  });
  report('getProductDeviceLocations', { statusCode, body });
});
await refused('getProductLocationsBadBox', () => particle.getProductLocations({ product: trackerProduct, rectBl: '91,0', rectTr: '92,1', auth }));
await refused('getProductLocationsBadRange', () => particle.getProductLocations({ product: trackerProduct, dateRange: 'last week', auth }));
await refused('getProductLocationsBadPerPage', () => particle.getProductLocations({ product: trackerProduct, perPage: 5000, auth }));
await refused('getProductLocationsOthers', () => particle.getProductLocations({ product: trackerProduct, auth: otherAuth }));

report('done', {});
