// Drives particle-api-js 12.0.3's SIM calls against a Drover node, as an application would, and prints
// one JSON line per step with what the node answered, for ParticleApiJsSimsTest to check.
//
//   node api-js-sims.mjs BASE_URL PRODUCT_ID ACCOUNT_ICCID PRODUCT_ICCID OTHERS_ICCID [DEVICE_ID]
//
// Environment: DROVER_TOKEN, an access token of the account that holds ACCOUNT_ICCID and administers
// PRODUCT_ID (which holds PRODUCT_ICCID); OTHERS_ICCID belongs to another account. DEVICE_ID, when
// given, is the account's device in ACCOUNT_ICCID: getDevice then shows what the device object says.
//
// Exits 0 when every step succeeded, 1 at the first failure (printed as {"step":..,"error":..}).
import Particle from 'particle-api-js';

const [baseUrl, product, accountIccid, productIccid, othersIccid, deviceId] = process.argv.slice(2);
const auth = process.env.DROVER_TOKEN;
if (!auth) {
  throw new Error('DROVER_TOKEN is not set');
}

function report(step, values) {
  process.stdout.write(JSON.stringify({ step, ...values }) + '\n');
}

async function step(name, action) {
  try {
    return await action();
  } catch (error) {
    const { response, ...body } = error.body ?? {};
    report(name, { error: error.message ?? String(error), statusCode: error.statusCode ?? null, body });
    process.exit(1);
  }
}

/** A call that must fail: its status and error body. */
async function refused(name, action) {
  try {
    await action();
  } catch (error) {
    report(name, { statusCode: error.statusCode ?? null, error: error.body?.error ?? null, description: error.body?.error_description ?? null });
    return;
  }
  report(name, { error: 'the call succeeded' });
  process.exit(1);
}

const particle = new Particle({ baseUrl });

if (deviceId) {
  await step('getDevice', async () => {
    const { statusCode, body } = await particle.getDevice({ deviceId, auth });
    report('getDevice', { statusCode, device: body });
  });
}

await step('listSIMs', async () => {
  const { statusCode, body } = await particle.listSIMs({ auth });
  report('listSIMs', { statusCode, sims: body });
});

await step('listProductSIMs', async () => {
  const { statusCode, body } = await particle.listSIMs({ product, iccid: productIccid.slice(0, 12), page: 1, perPage: 10, auth });
  report('listProductSIMs', { statusCode, sims: body });
});

await step('checkSIM', async () => {
  const { statusCode } = await particle.checkSIM({ iccid: accountIccid, auth });
  report('checkSIM', { statusCode });
});

await refused('checkOthersSIM', () => particle.checkSIM({ iccid: othersIccid, auth }));

await step('getSIMDataUsage', async () => {
  const { statusCode, body } = await particle.getSIMDataUsage({ iccid: accountIccid, auth });
  report('getSIMDataUsage', { statusCode, usage: body });
});

await step('getProductSIMDataUsage', async () => {
  const { statusCode, body } = await particle.getSIMDataUsage({ iccid: productIccid, product, auth });
  report('getProductSIMDataUsage', { statusCode, usage: body });
});

await step('getFleetDataUsage', async () => {
  const { statusCode, body } = await particle.getFleetDataUsage({ product, auth });
  report('getFleetDataUsage', { statusCode, usage: body });
});

await refused('getOthersSIMDataUsage', () => particle.getSIMDataUsage({ iccid: othersIccid, auth }));
await refused('removeOthersSIM', () => particle.removeSIM({ iccid: othersIccid, auth }));
await refused('removeMalformedSIM', () => particle.removeSIM({ iccid: accountIccid.slice(0, -1) + ((Number(accountIccid.slice(-1)) + 1) % 10), auth }));

await step('removeProductSIM', async () => {
  const { statusCode } = await particle.removeSIM({ iccid: productIccid, product, auth });
  report('removeProductSIM', { statusCode });
});

await step('removeSIM', async () => {
  const { statusCode } = await particle.removeSIM({ iccid: accountIccid, auth });
  report('removeSIM', { statusCode });
});

await refused('checkRemovedSIM', () => particle.checkSIM({ iccid: accountIccid, auth }));

await step('listAfter', async () => {
  const { body } = await particle.listSIMs({ auth });
  report('listAfter', { sims: body });
});

report('done', {});
