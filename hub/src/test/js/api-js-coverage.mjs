// Calls every particle-api-js 12.0.3 method a fleet team uses (devices, events, products, firmware,
// team, customers, tracker settings, locations, integrations, SIMs) against a Drover node, each once
// with valid arguments, and prints one JSON line per call with what the node answered, and the fields
// of Particle's documented answer that api-js's callers read; ParticleApiJsCoverageTest classifies the
// answers and renders the table of docs/api.md, "Where a node differs from Particle's cloud".
//
//   node api-js-coverage.mjs BASE_URL
//
// Environment: DROVER_FIXTURES, a JSON object made by the test (the token of a product administrator,
// the tracker product, its devices online over MQTT, a user to invite, ICCIDs, a firmware file).
//
// A field is a path in the answer's body: `a.b`; `[]` is the first element of an array, which must
// have one; `bytes` is the length of a binary answer. A call that throws is reported with its status
// and error body, never stops the script: every method gets its line. Exits 0 once all are printed.
import Particle from 'particle-api-js';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [baseUrl] = process.argv.slice(2);
const f = JSON.parse(process.env.DROVER_FIXTURES ?? 'null');
if (!f) {
  throw new Error('DROVER_FIXTURES is not set');
}
const auth = f.token;
const product = f.product;
const particle = new Particle({ baseUrl });
const names = new Set();

function report(values) {
  process.stdout.write(JSON.stringify(values) + '\n');
}

/**
 * One call: `group` and `method` name the table's row (`scope` tells two calls of one method apart),
 * `fields` are what Particle's documented answer has and api-js's callers read.
 */
async function call(group, method, scope, fields, action) {
  const row = scope ? `${method} (${scope})` : method;
  if (names.has(row)) {
    throw new Error(`two calls named ${row}`);
  }
  names.add(row);
  try {
    const answer = await action();
    // a binary download resolves (on 2xx only) with the bytes themselves
    const binary = Buffer.isBuffer(answer) || answer instanceof ArrayBuffer;
    const body = binary ? { bytes: answer.byteLength } : answer?.body ?? null;
    report({ group, method, row, fields, statusCode: binary ? '2xx' : answer?.statusCode ?? null, body });
    return answer;
  } catch (error) {
    const { response, ...body } = error?.body && typeof error.body === 'object' ? error.body : {};
    report({ group, method, row, fields, statusCode: error?.statusCode ?? null, failed: true, body,
      message: String(error?.message ?? error).slice(0, 200) });
    return null;
  }
}

/**
 * Opens api-js's event stream, publishes with api-js (or not: a device publishes), and answers with
 * the event that arrived (10 s at most); a publish that fails is the stream's failure too.
 */
async function streamed(open, publish, name) {
  publish ??= async () => {};
  const stream = await open();
  let timer;
  try {
    const arrived = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no ${name} event within 20 s`), { statusCode: 200 })), 10_000);
      stream.on('event', (event) => {
        if (event.name === name) {
          resolve(event);
        }
      });
      stream.on('error', reject);
    });
    arrived.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    await publish();
    return { statusCode: 200, body: await arrived };
  } finally {
    clearTimeout(timer);
    stream.abort?.();
  }
}

const D = 'devices';
const firmwareFile = readFileSync(f.firmwareFile);
const bareImage = readFileSync(f.bareImage);

// Products
await call('products', 'listProducts', null, ['products[].id', 'products[].name', 'products[].platform_id', 'products[].slug'],
  () => particle.listProducts({ auth }));
await call('products', 'getProduct', null, ['product.id', 'product.name', 'product.platform_id', 'product.slug'],
  () => particle.getProduct({ product, auth }));

// Devices
const deviceFields = ['id', 'name', 'online', 'connected', 'platform_id', 'product_id', 'last_heard'];
await call(D, 'listDevices', null, deviceFields.map((field) => `[].${field}`), () => particle.listDevices({ auth }));
await call(D, 'listDevices', 'product', ['devices[].id', 'devices[].name', 'devices[].online', 'devices[].groups', 'devices[].development',
  'meta.total_pages'], () => particle.listDevices({ product, page: 1, perPage: 25, auth }));
await call(D, 'getDevice', null, [...deviceFields, 'functions', 'variables'], () => particle.getDevice({ deviceId: f.online, auth }));
await call(D, 'getDevice', 'product', ['id', 'product_id', 'groups', 'development', 'desired_firmware_version',
  'targeted_firmware_release_version'], () => particle.getDevice({ deviceId: f.productOnline, product, auth }));
await call(D, 'claimDevice', null, ['ok', 'id'], () => particle.claimDevice({ deviceId: f.claimed, auth }));
await call(D, 'getClaimCode', null, ['claim_code', 'device_ids'], () => particle.getClaimCode({ auth }));
await call(D, 'getClaimCode', 'product', ['claim_code', 'device_ids'], () => particle.getClaimCode({ product, auth }));
await call(D, 'renameDevice', null, ['id', 'name'], () => particle.renameDevice({ deviceId: f.online, name: 'coverage_lamp', auth }));
await call(D, 'setDeviceNotes', null, ['id', 'notes'], () => particle.setDeviceNotes({ deviceId: f.online, notes: 'on the bench', auth }));
await call(D, 'signalDevice', null, ['id', 'signaling'], () => particle.signalDevice({ deviceId: f.online, signal: true, auth }));
await call(D, 'getVariable', null, ['name', 'result', 'coreInfo'], () => particle.getVariable({ deviceId: f.online, name: 'temp', auth }));
await call(D, 'callFunction', null, ['id', 'name', 'connected', 'return_value'],
  () => particle.callFunction({ deviceId: f.online, name: 'led', argument: 'on', auth }));
await call(D, 'getVariable', 'product', ['name', 'result', 'coreInfo'],
  () => particle.getVariable({ deviceId: f.productOnline, name: 'batt', product, auth }));
await call(D, 'callFunction', 'product', ['id', 'name', 'connected', 'return_value'],
  () => particle.callFunction({ deviceId: f.productOnline, name: 'blink', argument: '3', product, auth }));
await call(D, 'addDeviceToProduct', null, ['updated', 'updatedDeviceIds', 'existingDeviceIds', 'nonmemberDeviceIds', 'invalidDeviceIds'],
  () => particle.addDeviceToProduct({ deviceId: f.importable, product, auth }));
await call(D, 'markAsDevelopmentDevice', null, ['id', 'development'],
  () => particle.markAsDevelopmentDevice({ deviceId: f.productOnline, development: true, product, auth }));
await call(D, 'provisionDevice', null, ['id'], () => particle.provisionDevice({ productId: product, auth }));
await call(D, 'lookupSerialNumber', null, ['device_id'], () => particle.lookupSerialNumber({ serialNumber: f.serialNumber, auth }));
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
await call(D, 'sendPublicKey', null, ['ok'], () => particle.sendPublicKey({ deviceId: f.online,
  key: publicKey.export({ type: 'spki', format: 'pem' }), auth }));

// Firmware
await call('firmware', 'uploadProductFirmware', null, ['version', 'title', 'size', 'product_id'],
  () => particle.uploadProductFirmware({ file: firmwareFile, version: f.firmwareVersion, title: 'coverage', description: 'first', product, auth }));
await call('firmware', 'listProductFirmware', null, ['[].version', '[].title', '[].size', '[].product_default'],
  () => particle.listProductFirmware({ product, auth }));
await call('firmware', 'getProductFirmware', null, ['version', 'title', 'size'],
  () => particle.getProductFirmware({ version: f.firmwareVersion, product, auth }));
await call('firmware', 'updateProductFirmware', null, ['version', 'title', 'description'],
  () => particle.updateProductFirmware({ version: f.firmwareVersion, title: 'coverage v' + f.firmwareVersion, description: 'edited', product, auth }));
await call('firmware', 'downloadProductFirmware', null, ['bytes'],
  () => particle.downloadProductFirmware({ version: f.firmwareVersion, product, auth }));
await call('firmware', 'releaseProductFirmware', null, [],
  () => particle.releaseProductFirmware({ version: f.firmwareVersion, product_default: true, product, auth }));
await call('firmware', 'lockDeviceProductFirmware', null, ['id', 'desired_firmware_version'],
  () => particle.lockDeviceProductFirmware({ deviceId: f.productOnline, desiredFirmwareVersion: f.firmwareVersion, product, auth }));
await call('firmware', 'unlockDeviceProductFirmware', null, ['id', 'desired_firmware_version'],
  () => particle.unlockDeviceProductFirmware({ deviceId: f.productOnline, product, auth }));
await call('firmware', 'flashDevice', null, ['id', 'status'],
  () => particle.flashDevice({ deviceId: f.online, files: { 'app.bin': bareImage }, auth }));
await call('firmware', 'compileCode', null, ['ok', 'binary_id'],
  () => particle.compileCode({ files: { 'app.ino': Buffer.from('void setup() {}\nvoid loop() {}\n') }, platformId: f.platform, auth }));
await call('firmware', 'downloadFirmwareBinary', null, ['bytes'], () => particle.downloadFirmwareBinary({ binaryId: f.binaryId, auth }));
await call('firmware', 'listDeviceOsVersions', null, ['[].version'], () => particle.listDeviceOsVersions({ platformId: f.platform, auth }));
await call('firmware', 'getDeviceOsVersion', null, ['version'],
  () => particle.getDeviceOsVersion({ version: f.deviceOsVersion, platformId: f.platform, auth }));

// Events
await call('events', 'publishEvent', null, ['ok'], () => particle.publishEvent({ name: 'coverage/note', data: 'hello', isPrivate: true, auth }));
await call('events', 'getEventStream', 'mine', ['name', 'data', 'coreid', 'published_at'], () => streamed(
  () => particle.getEventStream({ deviceId: 'mine', auth }),
  () => particle.publishEvent({ name: 'coverage/mine', data: '1', isPrivate: true, auth }), 'coverage/mine'));
await call('events', 'publishEvent', 'product', ['ok'],
  () => particle.publishEvent({ name: 'coverage/fleet-note', data: 'hello', isPrivate: true, product, auth }));
// the product's tracker publishes coverage/fleet every half second while the script runs
await call('events', 'getEventStream', 'product', ['name', 'data', 'coreid', 'published_at'], () => streamed(
  () => particle.getEventStream({ product, auth }), null, 'coverage/fleet'));

// Team
await call('team', 'listTeamMembers', null, ['team[].username'], () => particle.listTeamMembers({ product, auth }));
await call('team', 'inviteTeamMember', null, [], () => particle.inviteTeamMember({ username: f.invitee, product, auth }));
await call('team', 'removeTeamMember', null, [], () => particle.removeTeamMember({ username: f.invitee, product, auth }));

// Customers: a product's OAuth client, and api-js made with it
const created = await call('customers', 'createOAuthClient', 'product', ['client.id', 'client.secret', 'client.name', 'client.type'],
  () => particle.createOAuthClient({ name: 'coverage app', type: 'installed', product, auth }));
const client = created?.body?.client ?? {};
await call('customers', 'listOAuthClients', 'product', ['clients[].id', 'clients[].name'], () => particle.listOAuthClients({ product, auth }));
await call('customers', 'updateOAuthClient', 'product', ['client.id', 'client.name'],
  () => particle.updateOAuthClient({ clientId: client.id, name: 'coverage app 2', product, auth }));
const asClient = new Particle({ baseUrl, clientId: client.id, clientSecret: client.secret });
await call('customers', 'createCustomer', null, ['access_token', 'token_type', 'expires_in', 'refresh_token'],
  () => asClient.createCustomer({ email: 'coverage-customer@example.com', password: 'a customer password', product }));
await call('customers', 'loginAsClientOwner', null, ['access_token', 'token_type', 'expires_in'], () => asClient.loginAsClientOwner({}));
await call('customers', 'deleteOAuthClient', 'product', [], () => particle.deleteOAuthClient({ clientId: client.id, product, auth }));

// Tracker settings
await call('config', 'getProductConfiguration', null, ['configuration'], () => particle.getProductConfiguration({ product, auth }));
await call('config', 'getProductConfigurationSchema', null, ['properties'], () => particle.getProductConfigurationSchema({ product, auth }));
await call('config', 'setProductConfiguration', null, [],
  () => particle.setProductConfiguration({ config: { location: { radius: 25 } }, product, auth }));
await call('config', 'getProductDeviceConfiguration', null, ['configuration'],
  () => particle.getProductDeviceConfiguration({ deviceId: f.productOnline, product, auth }));
await call('config', 'getProductDeviceConfigurationSchema', null, ['properties'],
  () => particle.getProductDeviceConfigurationSchema({ deviceId: f.productOnline, product, auth }));
await call('config', 'setProductDeviceConfiguration', null, [],
  () => particle.setProductDeviceConfiguration({ deviceId: f.productOnline, config: { location: { radius: 50 } }, product, auth }));

// Locations
const location = ['device_id', 'device_name', 'geometry.type', 'geometry.coordinates', 'timestamps', 'groups', 'online', 'gps_lock'];
await call('locations', 'getProductLocations', null, [...location.map((field) => `locations[].${field}`), 'meta.total_pages'],
  () => particle.getProductLocations({ page: 1, perPage: 25, product, auth }));
await call('locations', 'getProductDeviceLocations', null, location.map((field) => `location.${field}`),
  () => particle.getProductDeviceLocations({ deviceId: f.productOnline, dateRange: f.dateRange, product, auth }));

// Integrations
const webhook = await call('integrations', 'createWebhook', null, ['ok', 'id', 'url', 'event', 'created_at'],
  () => particle.createWebhook({ event: 'coverage', url: f.hookUrl, auth }));
await call('integrations', 'listWebhooks', null, ['[].id', '[].event', '[].url', '[].created_at'], () => particle.listWebhooks({ auth }));
await call('integrations', 'deleteWebhook', null, [], () => particle.deleteWebhook({ hookId: webhook?.body?.id, auth }));
const integration = await call('integrations', 'createIntegration', 'product', ['id', 'event', 'integration_type', 'url', 'created_at'],
  () => particle.createIntegration({ event: 'coverage', settings: { integration_type: 'Webhook', url: f.hookUrl, requestType: 'POST' }, product, auth }));
await call('integrations', 'listIntegrations', 'product', ['[].id', '[].event', '[].integration_type'], () => particle.listIntegrations({ product, auth }));
await call('integrations', 'editIntegration', 'product', ['id', 'event'], () => particle.editIntegration({ integrationId: integration?.body?.id,
  event: 'coverage2', settings: { integration_type: 'Webhook', url: f.hookUrl, requestType: 'POST' }, product, auth }));
await call('integrations', 'deleteIntegration', 'product', [], () => particle.deleteIntegration({ integrationId: integration?.body?.id, product, auth }));

// SIMs
await call('sims', 'listSIMs', null, ['[].iccid', '[].status', '[].device_id'], () => particle.listSIMs({ auth }));
await call('sims', 'listSIMs', 'product', ['[].iccid', '[].status'], () => particle.listSIMs({ product, page: 1, perPage: 25, auth }));
await call('sims', 'checkSIM', null, [], () => particle.checkSIM({ iccid: f.iccid, auth }));
await call('sims', 'getSIMDataUsage', null, ['usage_by_day[].date', 'usage_by_day[].mbs_used', 'used', 'quota'],
  () => particle.getSIMDataUsage({ iccid: f.iccid, auth }));
await call('sims', 'getFleetDataUsage', null, ['total_mbs_used', 'total_active_sim_cards', 'usage_by_day'],
  () => particle.getFleetDataUsage({ product, auth }));
await call('sims', 'removeSIM', 'product', [], () => particle.removeSIM({ iccid: f.productIccid, product, auth }));

// Last, what takes devices away
await call(D, 'removeDeviceOwner', null, [], () => particle.removeDeviceOwner({ deviceId: f.productOwned, product, auth }));
await call(D, 'removeDevice', 'product', [], () => particle.removeDevice({ deviceId: f.productOther, product, auth }));
await call(D, 'removeDevice', null, ['ok'], () => particle.removeDevice({ deviceId: f.unclaim, auth }));

// what the calls made, so that the test can keep their IDs out of the table
report({ done: true, made: { client: client.id ?? null, webhook: webhook?.body?.id ?? null, integration: integration?.body?.id ?? null } });
