// The Cloud API, as the Console calls it: same origin, JSON in and out, signed in by the session
// cookie (HttpOnly: this page never holds a token). Every request carries the Console's header, which
// the server wants on any change the cookie signs in (a forged form or another origin's script cannot
// send it). Every failure becomes an ApiError carrying the API's own error and error_description.

/** The header that marks the Console's own requests (ConsoleCookie on the server). */
export const CONSOLE_HEADER = { 'X-Drover-Console': '1' };

export class ApiError extends Error {
  constructor(status, error, description) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

let onSessionEnded = () => {};

/** Called when the API refuses the session (expired, revoked, signed out elsewhere): the app sends the user to log in. */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

async function request(path, { method = 'GET', json, form, multipart, auth = true, accept = 'application/json' } = {}) {
  const headers = { Accept: accept, ...CONSOLE_HEADER };
  let body;
  if (multipart !== undefined) {
    body = multipart; // a FormData: the browser writes the multipart boundary into Content-Type itself
  } else if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check the connection and try again.');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data?.error ?? `http_${response.status}`,
      data?.error_description ?? data?.error ?? `The server answered ${response.status} ${response.statusText}`.trim());
    error.body = data; // what the refusal lists beside its text (a SIM import's invalid_sims, for example)
    if (response.status === 401 && auth) onSessionEnded();
    throw error;
  }
  return data;
}

const path = (...parts) => parts.map(encodeURIComponent).join('/');
const simBase = (product) => (product ? `/v1/products/${path(product)}/sims` : '/v1/sims');

/** A product's integrations, or the account's (product null); with an id, that one's. */
const integrationsPath = (product, id) => `${product ? `/v1/products/${path(product)}` : '/v1'}/integrations${id ? `/${path(id)}` : ''}`;

export const api = {
  signUp: (username, password) => request('/v1/users', { method: 'POST', json: { username, password }, auth: false }),
  /** Sets the session cookie; the answer holds no token. */
  logIn: (username, password) => request('/v1/console/session', { method: 'POST', auth: false, json: { username, password } }),
  logOut: () => request('/v1/console/session', { method: 'DELETE', auth: false }),
  me: () => request('/v1/user'),
  // Settings: password, tokens, OAuth clients (docs/api.md, "Accounts and tokens")
  changePassword: (current, password) => request('/v1/user', { method: 'PUT', json: { current_password: current, password } }),
  accessTokens: () => request('/v1/access_tokens'),
  revokeToken: (id) => request(`/v1/access_tokens/${path(id)}`, { method: 'DELETE' }),
  clients: () => request('/v1/clients'),
  createClient: (client) => request('/v1/clients', { method: 'POST', json: client }),
  deleteClient: (id) => request(`/v1/clients/${path(id)}`, { method: 'DELETE' }),

  devices: () => request('/v1/devices'),
  device: (id) => request(`/v1/devices/${path(id)}`),
  claim: (id) => request('/v1/devices', { method: 'POST', json: { id } }),
  claimCode: () => request('/v1/device_claims', { method: 'POST', json: {} }),
  rename: (id, name) => request(`/v1/devices/${path(id)}`, { method: 'PUT', json: { name } }),
  saveNotes: (id, notes) => request(`/v1/devices/${path(id)}`, { method: 'PUT', json: { notes } }),
  unclaim: (id) => request(`/v1/devices/${path(id)}`, { method: 'DELETE' }),
  /** {online, ok}: from the cloud's record of the device's session (docs/api.md, "Devices: the differences"). */
  ping: (id) => request(`/v1/devices/${path(id, 'ping')}`, { method: 'PUT' }),
  /** Starts (true) or stops the device's rainbow LED; the answer's `signaling` says which. */
  signal: (id, on) => request(`/v1/devices/${path(id)}`, { method: 'PUT', json: { signal: on ? '1' : '0' } }),
  call: (id, fn, arg) => request(`/v1/devices/${path(id, fn)}`, { method: 'POST', json: { arg } }),
  read: (id, variable) => request(`/v1/devices/${path(id, variable)}`),
  history: ({ limit = 200, device } = {}) => request(`/v1/history/events?${new URLSearchParams(
    device ? { limit, device } : { limit })}`),
  /** A product's stored events, newest first: its devices' while in it, and those published as the product. */
  productHistory: (product, { limit = 200, device } = {}) => request(`/v1/products/${path(product)}/history/events?${new URLSearchParams(
    device ? { limit, device } : { limit })}`),
  /** A ticket that opens the event stream at `path` once, within a minute (live.js: EventSource cannot send the token). */
  streamTicket: (path) => request('/v1/events/stream_tickets', { method: 'POST', json: { path } }),
  publish: (name, data, isPrivate) => request('/v1/devices/events', {
    method: 'POST', json: { name, data, private: isPrivate },
  }),

  // SIM cards: the account's (product null) or a product's
  sims: (product) => request(`${simBase(product)}?per_page=100`),
  importSims: (product, text) => request(simBase(product), { method: 'POST', json: { sims: text } }),
  changeSim: (product, iccid, fields) => request(`${simBase(product)}/${path(iccid)}`, { method: 'PUT', json: fields }),
  releaseSim: (product, iccid) => request(`${simBase(product)}/${path(iccid)}`, { method: 'DELETE' }),
  simUsage: (product, iccid) => request(`${simBase(product)}/${path(iccid)}/data_usage`),
  fleetUsage: (product) => request(`${simBase(product)}/data_usage`),

  products: () => request('/v1/products'),
  product: (idOrSlug) => request(`/v1/products/${path(idOrSlug)}`),
  createProduct: (fields) => request('/v1/products', { method: 'POST', json: fields }),
  editProduct: (idOrSlug, fields) => request(`/v1/products/${path(idOrSlug)}`, { method: 'PUT', json: fields }),
  deleteProduct: (idOrSlug) => request(`/v1/products/${path(idOrSlug)}`, { method: 'DELETE' }),
  productSettings: (idOrSlug) => request(`/v1/products/${path(idOrSlug)}/settings`),
  saveProductSettings: (idOrSlug, settings) => request(`/v1/products/${path(idOrSlug)}/settings`, { method: 'PUT', json: settings }),
  team: (idOrSlug) => request(`/v1/products/${path(idOrSlug)}/team`),
  invite: (idOrSlug, username, role) => request(`/v1/products/${path(idOrSlug)}/team`, { method: 'POST', json: { username, role } }),
  createApiUser: (idOrSlug, friendlyName, scopes) => request(`/v1/products/${path(idOrSlug)}/team`, {
    method: 'POST', json: { friendly_name: friendlyName, scopes },
  }),
  changeRole: (idOrSlug, username, role) => request(`/v1/products/${path(idOrSlug)}/team/${path(username)}`, {
    method: 'PUT', json: { role },
  }),
  removeFromTeam: (idOrSlug, username) => request(`/v1/products/${path(idOrSlug)}/team/${path(username)}`, { method: 'DELETE' }),
  invitations: () => request('/v1/user/invitations'),
  answerInvitation: (productId, accept) => request(`/v1/user/invitations/${path(String(productId))}/${accept ? 'accept' : 'decline'}`, {
    method: 'POST',
  }),
  // a product's customers, its OAuth clients and private-beta codes; Login with Drover's consent
  productCustomers: (product, { page = 1, perPage = 25, search = '' } = {}) => request(
    `/v1/products/${path(product)}/customers?${new URLSearchParams({ page, per_page: perPage, ...(search ? { search } : {}) })}`),
  removeCustomer: (product, email) => request(`/v1/products/${path(product, 'customers', email)}`, { method: 'DELETE' }),
  activationCodes: (product) => request(`/v1/products/${path(product)}/activation_codes?per_page=200`),
  makeActivationCodes: (product, quantity) => request(`/v1/products/${path(product)}/activation_codes`, {
    method: 'POST', json: { quantity },
  }),
  productClients: (product) => request(`/v1/products/${path(product)}/clients`),
  createProductClient: (product, client) => request(`/v1/products/${path(product)}/clients`, { method: 'POST', json: client }),
  deleteProductClient: (product, id) => request(`/v1/products/${path(product, 'clients', id)}`, { method: 'DELETE' }),
  authorizeDetails: (query) => request(`/oauth/authorize/details?${query}`),
  authorizeDecision: (decision) => request('/oauth/authorize', { method: 'POST', json: decision }),
  emailVerification: () => request('/v1/user/verify_email'),
  sendVerificationMail: () => request('/v1/user/verify_email', { method: 'POST', json: {} }),
  confirmEmail: (token) => request('/v1/user/verify_email/confirm', { method: 'POST', json: { token }, auth: false }),
  // Tracker locations (Asset Tracker): the fleet's last known (or last in a date_range) and one device's history
  productLocations: (product, query) => request(`/v1/products/${path(product)}/locations?${new URLSearchParams(query)}`),
  deviceLocations: (product, id, query) => request(`/v1/products/${path(product, 'locations', id)}?${new URLSearchParams(query)}`),
  // Devices in a product (docs/api.md, "Devices in a product")
  productDevices: (product, query) => request(`/v1/products/${path(product)}/devices?${new URLSearchParams(query)}`),
  importProductDevices: (product, file) => {
    const data = new FormData();
    data.append('file', file);
    return request(`/v1/products/${path(product)}/devices`, { method: 'POST', multipart: data });
  },
  productDevice: (product, id) => request(`/v1/products/${path(product)}/devices/${path(id)}`),
  productCall: (product, id, fn, arg) => request(`/v1/products/${path(product)}/devices/${path(id, fn)}`, { method: 'POST', json: { arg } }),
  productRead: (product, id, variable) => request(`/v1/products/${path(product)}/devices/${path(id, variable)}`),
  updateProductDevice: (product, id, changes) => request(`/v1/products/${path(product)}/devices/${path(id)}`, { method: 'PUT', json: changes }),
  removeProductDevice: (product, id) => request(`/v1/products/${path(product)}/devices/${path(id)}`, { method: 'DELETE' }),
  groupProductDevices: (product, devices, add, remove) => request(`/v1/products/${path(product)}/devices`, {
    method: 'PUT', json: { action: 'groups', devices, metadata: { add, remove } },
  }),
  productGroups: (product) => request(`/v1/products/${path(product)}/groups`),
  createProductGroup: (product, group) => request(`/v1/products/${path(product)}/groups`, { method: 'POST', json: group }),
  updateProductGroup: (product, name, changes) => request(`/v1/products/${path(product)}/groups/${path(name)}`, { method: 'PUT', json: changes }),
  deleteProductGroup: (product, name) => request(`/v1/products/${path(product)}/groups/${path(name)}`, { method: 'DELETE' }),
  firmware: (product) => request(`/v1/products/${path(product)}/firmware`),
  uploadFirmware: (product, formData) => request(`/v1/products/${path(product)}/firmware`, { method: 'POST', multipart: formData }),
  editFirmware: (product, version, fields) => request(`/v1/products/${path(product)}/firmware/${path(version)}`, {
    method: 'PUT', json: fields,
  }),
  deleteFirmware: (product, version) => request(`/v1/products/${path(product)}/firmware/${path(version)}`, { method: 'DELETE' }),
  releaseImpact: (product, version, productDefault, groups) => request(`/v1/products/${path(product)}/impact?${new URLSearchParams({
    action: 'edit_groups_for_firmware', firmware_version: version, product_default: productDefault, groups: groups.join(','),
  })}`),
  releaseFirmware: (product, version, productDefault, groups) => request(`/v1/products/${path(product)}/firmware/release`, {
    method: 'PUT', json: { version, product_default: productDefault, groups },
  }),
  rollouts: (product) => request(`/v1/products/${path(product)}/firmware/rollouts`),
  startRollout: (product, version, productDefault, groups, batchPercent) => request(`/v1/products/${path(product)}/firmware/rollouts`, {
    method: 'POST', json: { version, product_default: productDefault, groups, batch_percent: batchPercent },
  }),
  changeRollout: (product, id, action) => request(`/v1/products/${path(product)}/firmware/rollouts/${path(id)}`, {
    method: 'PUT', json: { action },
  }),
  firmwareTarget: (product, device) => request(`/v1/products/${path(product)}/devices/${path(device)}/firmware-target`),
  lockFirmware: (product, device, version, flash) => request(`/v1/products/${path(product)}/devices/${path(device)}`, {
    method: 'PUT', json: { desired_firmware_version: version, flash },
  }),
  // Asset Tracker settings (docs/api.md, "Asset Tracker settings"); device null: the fleet's
  trackerSchema: (product) => request(`/v1/products/${path(product)}/config`, { accept: 'application/schema+json' }),
  trackerConfig: (product, device) => request(`/v1/products/${path(product)}/config${device ? `/${path(device)}` : ''}`),
  saveTrackerConfig: (product, device, change) => request(`/v1/products/${path(product)}/config${device ? `/${path(device)}` : ''}`, {
    method: 'PUT', json: change,
  }),
  resetTrackerConfig: (product, device) => request(`/v1/products/${path(product)}/config/${path(device)}`, { method: 'DELETE' }),
  // Billing (docs/api.md, "Billing")
  billing: () => request('/v1/billing'),
  billingPlans: () => request('/v1/billing/plans'),
  billingNotices: () => request('/v1/billing/notices'),
  productBilling: (product) => request(`/v1/products/${path(product)}/billing`),
  updateCard: (token) => request('/v1/card', { method: 'PUT', json: { token } }),
  changePlan: (product, plan) => request(`/v1/products/${path(product)}/billing`, { method: 'PUT', json: { plan } }),
  // Integrations (docs/api.md, "Integrations" and "Integrations: the delivery log"); product null: the sandbox's
  integrations: (product) => request(integrationsPath(product)),
  integration: (product, id) => request(integrationsPath(product, id)),
  createIntegration: (product, body) => request(integrationsPath(product), { method: 'POST', json: body }),
  replaceIntegration: (product, id, body) => request(integrationsPath(product, id), { method: 'PUT', json: body }),
  deleteIntegration: (product, id) => request(integrationsPath(product, id), { method: 'DELETE' }),
  pauseIntegration: (product, id) => request(`${integrationsPath(product, id)}/pause`, { method: 'POST' }),
  resumeIntegration: (product, id) => request(`${integrationsPath(product, id)}/resume`, { method: 'POST' }),
  testIntegration: (product, id, test) => request(`${integrationsPath(product, id)}/test`, { method: 'POST', json: test }),
  integrationLog: (product, id, { limit = 50, before, since, outcome } = {}) => request(`${integrationsPath(product, id)}/log?${new URLSearchParams(
    Object.entries({ limit, before, since, outcome }).filter(([, value]) => value !== undefined && value !== null))}`),
  integrationCounts: (product, id, since) => request(`${integrationsPath(product, id)}/counts?${new URLSearchParams({ since })}`),
  deadLetters: (product, id) => request(`${integrationsPath(product, id)}/dead-letters?limit=100`),
  replayDeadLetters: (product, id, eventId) => request(`${integrationsPath(product, id)}/dead-letters/replay`, {
    method: 'POST', json: eventId === undefined ? {} : { event_id: eventId },
  }),
  trackerSyncStatus: (product, state) => request(`/v1/products/${path(product)}/config/status?${new URLSearchParams({ state, per_page: 100 })}`),
};
