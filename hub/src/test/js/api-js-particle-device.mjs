// Drives particle-api-js against a Drover node and a Particle device running Device OS (the virtual
// device of ../shared/tools/particle-vdev), and prints one JSON line per step with what the node
// answered, for ParticleDevicesTest to check.
//
//   node api-js-particle-device.mjs BASE_URL DEVICE_ID
//
// Environment: DROVER_TOKEN, an access token of the device's owner.
// Exits 0 when every step ran (a step that expects an error reports it), 1 at an unexpected failure.
import Particle from 'particle-api-js';

const COUNTER_WAIT_MS = 25_000;
const [baseUrl, deviceId] = process.argv.slice(2);
const auth = process.env.DROVER_TOKEN;
const particle = new Particle({ baseUrl });

function report(step, values) {
  process.stdout.write(JSON.stringify({ step, ...values }) + '\n');
}

/** The HTTP status and the node's error body of a rejected call. */
function failure(error) {
  const { response, ...body } = error.body ?? {};
  return { statusCode: error.statusCode ?? null, body };
}

async function step(name, action) {
  try {
    return await action();
  } catch (error) {
    report(name, { error: error.message ?? String(error), ...failure(error) });
    process.exit(1);
  }
}

await step('getDevice', async () => {
  const { body } = await particle.getDevice({ deviceId, auth });
  report('getDevice', { functions: body.functions, variables: body.variables, system_firmware_version: body.system_firmware_version,
    online: body.online });
});

await step('callFunction', async () => {
  const { body } = await particle.callFunction({ deviceId, name: 'setName', argument: 'bench lamp', auth });
  report('callFunction', { return_value: body.return_value, connected: body.connected });
});

await step('getVariableTemp', async () => {
  const { body } = await particle.getVariable({ deviceId, name: 'temp', auth });
  report('getVariableTemp', { result: body.result });
});

await step('getVariableName', async () => {
  const { body } = await particle.getVariable({ deviceId, name: 'name', auth });
  report('getVariableName', { result: body.result });
});

await step('getVariableCounter', async () => {
  const first = (await particle.getVariable({ deviceId, name: 'counter', auth })).body.result;
  // the application counts up every 10 s
  const until = Date.now() + COUNTER_WAIT_MS;
  let second = first;
  while (second === first && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    second = (await particle.getVariable({ deviceId, name: 'counter', auth })).body.result;
  }
  report('getVariableCounter', { first, second });
});

await step('signalDevice', async () => {
  const on = (await particle.signalDevice({ deviceId, signal: true, auth })).body;
  const off = (await particle.signalDevice({ deviceId, signal: false, auth })).body;
  report('signalDevice', { on: on.signaling, off: off.signaling });
});

try {
  await particle.callFunction({ deviceId, name: 'noSuchFunction', argument: '', auth });
  report('callMissingFunction', { statusCode: 200 });
} catch (error) {
  report('callMissingFunction', failure(error));
}

try {
  await particle.callFunction({ deviceId, name: 'setName', argument: 'x'.repeat(256), auth });
  report('callLongArgument', { statusCode: 200 });
} catch (error) {
  report('callLongArgument', failure(error));
}

report('done', {});
