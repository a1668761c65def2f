// Publishes one event through particle-api-js 12.0.3's publishEvent, as an application would, for
// ParticleDevicesTest (a Particle device subscribed to its owner's events gets it).
//
//   node api-js-particle-ping.mjs BASE_URL NAME DATA
//
// Environment: DROVER_TOKEN, the publishing account's access token. Prints one JSON line with what the
// node answered; exits 0 when it accepted the event, 1 otherwise.
import Particle from 'particle-api-js';

const [baseUrl, name, data] = process.argv.slice(2);
const auth = process.env.DROVER_TOKEN;
if (!auth) {
  throw new Error('DROVER_TOKEN must be set');
}
const particle = new Particle({ baseUrl });
try {
  const { statusCode, body } = await particle.publishEvent({ name, data, isPrivate: true, auth });
  process.stdout.write(JSON.stringify({ step: 'publishEvent', statusCode, ok: body.ok }) + '\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ step: 'publishEvent', statusCode: error.statusCode ?? null, error: error.message ?? String(error) }) + '\n');
  process.exit(1);
}
