// Drives particle-api-js's firmware and claim calls against a Drover node, and prints one JSON line per
// step with what the node answered, for ParticleApiJsFirmwareTest to check against what the devices did.
//
//   node api-js-firmware.mjs BASE_URL
//
// Environment (set by the test): DROVER_TOKEN (the account's), DROVER_PRODUCT (its product, platform 12),
// DROVER_FIRMWARE_V1, DROVER_FIRMWARE_V2 (DRFW binaries of the product), DROVER_BARE_IMAGE (an application
// image with no header), DROVER_DRFW_IMAGE (a DRFW binary of product 0), and the devices: DROVER_MQTT_DEVICE,
// DROVER_COAP_DEVICE (the account's, online, in no product), DROVER_OFFLINE_DEVICE (the account's, offline),
// DROVER_PRODUCT_DEVICE (in the product, not a development device, online), DROVER_TARGETED_DEVICE and
// DROVER_LOCKED_DEVICE (in the product's group "beta"), DROVER_CLAIM_A, DROVER_CLAIM_B, DROVER_CLAIM_C
// (no one's, online).
//
// Where the test must act (a device reports a code, the CoAP device downloads), the script prints the
// step and waits for the test to write a line on its standard input.
//
// Exits 0 when every step succeeded, 1 at the first failure (printed as {"step":..,"error":..}).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Particle from 'particle-api-js';

const STEP_TIMEOUT_MS = 20_000;
const [baseUrl] = process.argv.slice(2);
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
    const { response, ...body } = error.body ?? {};
    report(name, { error: error.message ?? String(error), statusCode: error.statusCode ?? null, body });
    process.exit(1);
  }
}

/** A call the node must refuse: its status and error JSON, or a failure when it succeeded. */
async function refusal(call) {
  try {
    await call();
  } catch (error) {
    const { response, ...body } = error.body ?? {};
    return { statusCode: error.statusCode ?? null, body };
  }
  throw new Error('the node accepted what it must refuse');
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** Prints `step` and waits for the test's go-ahead on standard input. */
async function handOver(name, values) {
  report(name, values);
  const { value, done } = await input.next();
  check(!done && value.trim() === 'go', `the test did not go on after ${name}`);
}

/** Collects the stream's events; `next` waits for the first one (already seen or to come) that matches. */
function collector(stream) {
  const seen = [];
  const waiting = [];
  stream.on('event', (event) => {
    seen.push(event);
    for (const waiter of [...waiting]) {
      if (waiter.matches(event)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.resolve(event);
      }
    }
  });
  return {
    next(matches, what) {
      const already = seen.find(matches);
      if (already) {
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const waiter = { matches, resolve };
        waiter.timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`no ${what} on the stream within ${STEP_TIMEOUT_MS} ms`));
        }, STEP_TIMEOUT_MS);
        waiting.push(waiter);
      });
    }
  };
}

const particle = new Particle({ baseUrl });
const auth = env('DROVER_TOKEN');
const product = env('DROVER_PRODUCT');
const firmwareFields = (body) => ({ desired_firmware_version: body.desired_firmware_version, targeted_firmware_release_version: body.targeted_firmware_release_version });

// product firmware upload: api-js names its file part "file"
for (const version of [1, 2]) {
  await step(`uploadProductFirmware${version}`, async () => {
    const file = readFileSync(env(`DROVER_FIRMWARE_V${version}`));
    const { statusCode, body } = await particle.uploadProductFirmware({ file, version, title: `v${version}`, description: 'from api-js', product, auth });
    report(`uploadProductFirmware${version}`, { statusCode, version: body.version, size: body.size, title: body.title, product_id: body.product_id });
  });
}

// firmware fields: the device object's firmware fields after targeting
await step('releaseProductFirmware', async () => {
  await particle.releaseProductFirmware({ version: 1, product, product_default: true, auth });
  const { body } = await particle.releaseProductFirmware({ version: 2, product, groups: ['beta'], auth });
  report('releaseProductFirmware', { version: body.version, groups: body.groups });
});
await step('lockDeviceProductFirmware', async () => {
  const { body } = await particle.lockDeviceProductFirmware({ deviceId: env('DROVER_LOCKED_DEVICE'), desiredFirmwareVersion: 1, product, auth });
  report('lockDeviceProductFirmware', firmwareFields(body));
});
await step('getDeviceTargeted', async () => {
  const { body: inProduct } = await particle.getDevice({ deviceId: env('DROVER_TARGETED_DEVICE'), product, auth });
  const { body: own } = await particle.getDevice({ deviceId: env('DROVER_TARGETED_DEVICE'), auth });
  report('getDeviceTargeted', { product: firmwareFields(inProduct), own: firmwareFields(own) });
});
await step('getDeviceLocked', async () => {
  const { body: inProduct } = await particle.getDevice({ deviceId: env('DROVER_LOCKED_DEVICE'), product, auth });
  const { body: listed } = await particle.listDevices({ auth });
  const own = listed.find((device) => device.id === env('DROVER_LOCKED_DEVICE'));
  report('getDeviceLocked', { product: firmwareFields(inProduct), listed: own ? firmwareFields(own) : null });
});

// cloud flash: flashDevice to the account's online devices, over MQTT and CoAP, and the refusals
const stream = await step('getEventStream', async () => particle.getEventStream({ deviceId: 'mine', auth }));
const events = collector(stream);
const flashStatus = (deviceId, data) => (event) => event.name === 'spark/flash/status' && event.coreid === deviceId && event.data === data;

for (const [name, deviceVar, fileVar] of [['flashMqtt', 'DROVER_MQTT_DEVICE', 'DROVER_BARE_IMAGE'], ['flashCoap', 'DROVER_COAP_DEVICE', 'DROVER_DRFW_IMAGE']]) {
  const deviceId = env(deviceVar);
  await step(name, async () => {
    const { statusCode, body } = await particle.flashDevice({ deviceId, files: { 'app.bin': readFileSync(env(fileVar)) }, auth });
    // the test's CoAP device downloads once it reads this line; its MQTT device works by itself
    report(name, { statusCode, ok: body.ok, id: body.id, status: body.status });
    const started = await events.next(flashStatus(deviceId, 'started'), `spark/flash/status started from ${deviceId}`);
    const success = await events.next(flashStatus(deviceId, 'success'), `spark/flash/status success from ${deviceId}`);
    report(`${name}Events`, { started: started.data, success: success.data, coreid: success.coreid });
  });
}
stream.abort();

await step('flashOffline', async () => {
  const refused = await refusal(() => particle.flashDevice({ deviceId: env('DROVER_OFFLINE_DEVICE'), files: { 'app.bin': readFileSync(env('DROVER_BARE_IMAGE')) }, auth }));
  report('flashOffline', refused);
});
await step('flashProductDevice', async () => {
  const file = () => ({ 'app.bin': readFileSync(env('DROVER_FIRMWARE_V2')) });
  const own = await refusal(() => particle.flashDevice({ deviceId: env('DROVER_PRODUCT_DEVICE'), files: file(), auth }));
  const inProduct = await refusal(() => particle.flashDevice({ deviceId: env('DROVER_PRODUCT_DEVICE'), product, files: file(), auth }));
  report('flashProductDevice', { own, product: inProduct });
});

// claim codes: a claim code claims the device that reports it; a used or expired one claims nothing
const code = await step('getClaimCode', async () => {
  const { body } = await particle.getClaimCode({ auth });
  check(typeof body.claim_code === 'string' && body.claim_code.length > 0, 'no claim_code in the answer');
  return body.claim_code;
});
await step('claimReported', async () => {
  await handOver('getClaimCode', { claim_code: code });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const { body } = await particle.listDevices({ auth });
    if (body.some((device) => device.id === env('DROVER_CLAIM_A'))) {
      report('claimReported', { ids: body.map((device) => device.id) });
      return;
    }
    check(Date.now() < deadline, `${env('DROVER_CLAIM_A')} did not become the account's within ${STEP_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
await step('claimReusedCode', async () => {
  await handOver('codeReused', { claim_code: code });
  report('claimReusedCode', await refusal(() => particle.claimDevice({ deviceId: env('DROVER_CLAIM_B'), auth })));
});
await step('claimExpiredCode', async () => {
  const { body } = await particle.getClaimCode({ auth });
  await handOver('codeToExpire', { claim_code: body.claim_code });
  const refused = await refusal(() => particle.claimDevice({ deviceId: env('DROVER_CLAIM_C'), auth }));
  const { body: listed } = await particle.listDevices({ auth });
  report('claimExpiredCode', { ...refused, ids: listed.map((device) => device.id) });
});

report('done', {});
process.exit(0);
