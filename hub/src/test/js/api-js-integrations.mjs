// Drives particle-api-js's webhook and integration calls against a Drover node, as an application
// would, and prints one JSON line per step with what the node answered, for
// ParticleApiJsIntegrationsTest to check against what the node stored.
//
//   node api-js-integrations.mjs BASE_URL DEVICE_ID PRODUCT_ID
//
// Environment: DROVER_TOKEN, an access token of the account that owns DEVICE_ID and administers PRODUCT_ID;
// DROVER_CHECKPOINTS, a directory: after the steps the test reads the database at, the script waits
// for the file STEP.go there, so that what the test reads is what that step left.
//
// Exits 0 when every step succeeded, 1 at the first failure (printed as {"step":..,"error":..}).
import Particle from 'particle-api-js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const [baseUrl, deviceId, product] = process.argv.slice(2);
const auth = process.env.DROVER_TOKEN;
if (!auth) {
  throw new Error('DROVER_TOKEN is not set');
}

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

/** Waits until the test has looked at the database after `name` (at most 30 s). */
async function checkpoint(name) {
  const go = join(process.env.DROVER_CHECKPOINTS, `${name}.go`);
  const deadline = Date.now() + 30_000;
  while (!existsSync(go)) {
    if (Date.now() > deadline) {
      report(name, { error: `the test did not release checkpoint ${name}` });
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const particle = new Particle({ baseUrl });

const webhook = await step('createWebhook', async () => {
  const { statusCode, body } = await particle.createWebhook({
    event: 'temp', url: 'https://203.0.113.7/ingest/{{PARTICLE_DEVICE_ID}}', device: deviceId, rejectUnauthorized: false, noDefaults: true,
    hook: {
      method: 'PUT',
      headers: { 'X-Api-Key': 'key-from-api-js-12345' },
      auth: { username: 'hook-user', password: 'hook-password-from-api-js' },
      json: { value: '{{{PARTICLE_EVENT_VALUE}}}' },
      responseTemplate: '{{reading}}',
      responseEvent: 'temp-ok',
      errorResponseEvent: 'temp-failed'
    },
    auth
  });
  report('createWebhook', { statusCode, ...body });
  return body;
});
await checkpoint('createWebhook');

const productHook = await step('createProductWebhook', async () => {
  const { statusCode, body } = await particle.createWebhook({ event: 'fleet', url: 'https://203.0.113.7/fleet', product, auth });
  report('createProductWebhook', { statusCode, ...body });
  return body;
});

await step('listWebhooks', async () => {
  const { body } = await particle.listWebhooks({ auth });
  report('listWebhooks', { hooks: body });
});

await step('listProductWebhooks', async () => {
  const { body } = await particle.listWebhooks({ product, auth });
  report('listProductWebhooks', { hooks: body });
});

await refused('createWebhookRefused', () => particle.createWebhook({ event: 'bad', url: 'http://169.254.169.254/latest/meta-data/', auth }));

const azure = await step('createIntegration', async () => {
  const { statusCode, body } = await particle.createIntegration({
    event: 'gps', deviceId,
    settings: { integration_type: 'AzureIotHub', hub_name: 'drover-hub', policy_name: 'iothubowner', policy_key: 'c2VjcmV0LWZyb20tYXBpLWpz' },
    auth
  });
  report('createIntegration', { statusCode, ...body });
  return body;
});

await step('listIntegrations', async () => {
  const { body } = await particle.listIntegrations({ auth });
  report('listIntegrations', { integrations: body });
});

await step('editIntegration', async () => {
  const { statusCode, body } = await particle.editIntegration({
    integrationId: webhook.id, event: 'temp2',
    settings: { url: 'https://203.0.113.7/v2', requestType: 'POST', headers: { 'X-Api-Key': 'ke\u2026' } },
    auth
  });
  report('editIntegration', { statusCode, ...body });
});
await checkpoint('editIntegration');

// api-js 12 has no getIntegration: its generic get, as an application would call the route
await step('getIntegration', async () => {
  const { statusCode, body } = await particle.get({ uri: `/v1/integrations/${webhook.id}`, auth });
  report('getIntegration', { statusCode, ...body });
});

await step('deleteWebhook', async () => {
  const { statusCode, body } = await particle.deleteWebhook({ hookId: webhook.id, auth });
  report('deleteWebhook', { statusCode, body });
});

await step('deleteProductWebhook', async () => {
  const { statusCode } = await particle.deleteWebhook({ hookId: productHook.id, product, auth });
  report('deleteProductWebhook', { statusCode });
});

await step('deleteIntegration', async () => {
  const { statusCode } = await particle.deleteIntegration({ integrationId: azure.id, auth });
  report('deleteIntegration', { statusCode });
});

await refused('deletedIsGone', () => particle.deleteWebhook({ hookId: webhook.id, auth }));

await step('listAfter', async () => {
  const { body } = await particle.listIntegrations({ auth });
  const { body: fleet } = await particle.listIntegrations({ product, auth });
  report('listAfter', { sandbox: body, product: fleet });
});

report('done', {});
process.exit(0);
