// Drives particle-api-js against a Drover node, as an application would, and prints one JSON line
// per step with the values the node answered, for ParticleApiJsTest to check.
//
//   node api-js-scenario.mjs BASE_URL DEVICE_ID
//
// Environment: DROVER_USERNAME, DROVER_PASSWORD (the account to create), DROVER_DEVICE_NAME (the new
// name), DROVER_FUNCTION and DROVER_FUNCTION_ARG, DROVER_VARIABLE, DROVER_DEVICE_EVENT (the name of
// an event the device publishes once this script prints {"step":"streamOpen"}).
//
// Exits 0 when every step succeeded, 1 at the first failure (printed as {"step":..,"error":..}).
import Particle from 'particle-api-js';

const STEP_TIMEOUT_MS = 15_000;
const [baseUrl, deviceId] = process.argv.slice(2);
const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

function report(step, values) {
  process.stdout.write(JSON.stringify({ step, ...values }) + '\n');
}

/** Runs one step; a rejection becomes a report with the HTTP status and the body the node sent. */
async function step(name, action) {
  try {
    return await action();
  } catch (error) {
    // api-js hangs the whole fetch response on the error body; the node's JSON is enough
    const { response, ...body } = error.body ?? {};
    report(name, { error: error.message ?? String(error), statusCode: error.statusCode ?? null, body });
    process.exit(1);
  }
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** The first event on `stream` that `matches`, or a rejection after STEP_TIMEOUT_MS. */
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

const eventValues = (event) => ({
  name: event.name, data: event.data, coreid: event.coreid, ttl: event.ttl, published_at: event.published_at
});

const particle = new Particle({ baseUrl });
const username = env('DROVER_USERNAME');
const password = env('DROVER_PASSWORD');
const functionName = env('DROVER_FUNCTION');
const variableName = env('DROVER_VARIABLE');
const newName = env('DROVER_DEVICE_NAME');
const deviceEvent = env('DROVER_DEVICE_EVENT');

await step('createUser', async () => {
  const { statusCode, body } = await particle.createUser({ username, password });
  report('createUser', { statusCode, ok: body.ok });
});

const auth = await step('login', async () => {
  const { body } = await particle.login({ username, password });
  check(typeof body.access_token === 'string' && body.access_token.length > 0, 'no access_token in the answer');
  report('login', { token_type: body.token_type, expires_in: body.expires_in, has_refresh_token: typeof body.refresh_token === 'string' });
  return body.access_token;
});

await step('listDevicesBeforeClaim', async () => {
  const { body } = await particle.listDevices({ auth });
  report('listDevicesBeforeClaim', { ids: body.map((device) => device.id) });
});

// Particle's set-up flow: a claim code for the account, which the device reports (the test's device
// publishes spark/device/claim/code with it once it reads the getClaimCode line); the device then shows
// up in the account's list, as particle-cli's set-up waits for it. The claim that follows is of one's own.
await step('getClaimCode', async () => {
  const { body } = await particle.getClaimCode({ auth });
  check(typeof body.claim_code === 'string' && body.claim_code.length > 0, 'no claim_code in the answer');
  report('getClaimCode', { claim_code: body.claim_code, device_ids: body.device_ids });
});

await step('deviceAppears', async () => {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const { body } = await particle.listDevices({ auth });
    if (body.some((device) => device.id === deviceId)) {
      report('deviceAppears', { ids: body.map((device) => device.id) });
      return;
    }
    check(Date.now() < deadline, `device ${deviceId} did not appear in the account within ${STEP_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

await step('claimDevice', async () => {
  const { body } = await particle.claimDevice({ deviceId, auth });
  report('claimDevice', { ok: body.ok, id: body.id, connected: body.connected });
});

await step('listDevices', async () => {
  const { body } = await particle.listDevices({ auth });
  report('listDevices', { devices: body.map(({ id, name, connected, online, owner }) => ({ id, name, connected, online, owner })) });
});

await step('renameDevice', async () => {
  const { body } = await particle.renameDevice({ deviceId, name: newName, auth });
  report('renameDevice', { id: body.id, name: body.name });
});

await step('getDevice', async () => {
  const { body } = await particle.getDevice({ deviceId, auth });
  report('getDevice', {
    id: body.id, name: body.name, connected: body.connected, online: body.online,
    functions: body.functions, variables: body.variables
  });
});

await step('callFunction', async () => {
  const { body } = await particle.callFunction({ deviceId, name: functionName, argument: process.env.DROVER_FUNCTION_ARG ?? '', auth });
  report('callFunction', { id: body.id, name: body.name, connected: body.connected, return_value: body.return_value });
});

await step('getVariable', async () => {
  const { body } = await particle.getVariable({ deviceId, name: variableName, auth });
  report('getVariable', { name: body.name, result: body.result, deviceID: body.coreInfo?.deviceID });
});

const stream = await step('getEventStream', async () => {
  const opened = await particle.getEventStream({ deviceId: 'mine', auth });
  // The test's device publishes its event once it reads this line.
  report('streamOpen', {});
  return opened;
});

await step('deviceEvent', async () => {
  const event = await nextEvent(stream, (e) => e.name === deviceEvent && e.coreid === deviceId, `event ${deviceEvent} from the device`);
  report('deviceEvent', eventValues(event));
});

const published = { name: 'drover/compat/published', data: `from api-js ${Date.now()}` };
await step('publishEvent', async () => {
  const arrival = nextEvent(stream, (e) => e.name === published.name && e.data === published.data, 'the event published through the API');
  const { body } = await particle.publishEvent({ name: published.name, data: published.data, isPrivate: true, auth });
  report('publishEvent', { ok: body.ok });
  report('publishedEventReceived', eventValues(await arrival));
});
stream.abort();

await step('removeDevice', async () => {
  const { body } = await particle.removeDevice({ deviceId, auth });
  const { body: after } = await particle.listDevices({ auth });
  report('removeDevice', { ok: body.ok, remaining: after.map((device) => device.id) });
});

await step('changeUserPassword', async () => {
  const { body: second } = await particle.login({ username, password });
  const newPassword = `${password} changed`;
  const { body } = await particle.changeUserPassword({ currentPassword: password, password: newPassword, auth });
  let otherToken = null;
  try {
    await particle.listDevices({ auth: second.access_token });
    otherToken = 200;
  } catch (error) {
    otherToken = error.statusCode;
  }
  const { body: relogin } = await particle.login({ username, password: newPassword });
  report('changeUserPassword', { ok: body.ok, otherTokenStatus: otherToken, newPasswordLogsIn: typeof relogin.access_token === 'string' });
});

await step('deleteCurrentAccessToken', async () => {
  const { body } = await particle.deleteCurrentAccessToken({ auth });
  report('deleteCurrentAccessToken', { ok: body.ok });
});

await step('revokedTokenRefused', async () => {
  try {
    await particle.listDevices({ auth });
  } catch (error) {
    report('revokedTokenRefused', { statusCode: error.statusCode, error: error.body?.error ?? null });
    return;
  }
  throw new Error('the revoked token still lists devices');
});

report('done', {});
// The HTTP agent keeps idle connections; nothing is left to wait for.
process.exit(0);
