// The Console's entry point: which page a path shows, who may see it, and the shell around it.

import { api, whenSessionEnds } from './lib/api.js';
import { refreshTimes } from './lib/format.js';
import { navigate, startRouter } from './lib/router.js';
import { session } from './lib/session.js';
import { loginPage, signupPage } from './pages/auth.js';
import { devicePage } from './pages/device.js';
import { devicesPage } from './pages/devices.js';
import { eventsPage } from './pages/event-logs.js';
import { integrationPage } from './pages/integration.js';
import { editIntegrationPage, newIntegrationPage } from './pages/integration-edit.js';
import { integrationsPage } from './pages/integrations.js';
import { notFoundPage } from './pages/not-found.js';
import { productConfigurationPage } from './pages/product-configuration.js';
import { productTeamPage } from './pages/product-team.js';
import { productsPage } from './pages/products.js';
import { oauthAuthorizePage } from './pages/oauth-authorize.js';
import { verifyEmailPage } from './pages/verify-email.js';
import { productCustomersPage } from './pages/product-customers.js';
import { productDevicesPage } from './pages/product-devices.js';
import { productDevicePage } from './pages/product-device.js';
import { productGroupsPage } from './pages/product-groups.js';
import { productFirmwarePage } from './pages/product-firmware.js';
import { productLogsPage } from './pages/product-logs.js';
import { productTrackerSettingsPage } from './pages/product-tracker-settings.js';
import { productMapPage } from './pages/product-map.js';
import { billingPage } from './pages/billing.js';
import { settingsPage } from './pages/settings.js';
import { productBillingPage } from './pages/product-billing.js';
import { createShell } from './pages/shell.js';
import { productSimsPage, simsPage } from './pages/sims.js';

const root = document.getElementById('app');

const ROUTES = [
  { pattern: /^\/$/, redirect: () => (session.signedIn() ? '/devices' : '/login') },
  { pattern: /^\/login\/?$/, page: loginPage, public: true },
  { pattern: /^\/signup\/?$/, page: signupPage, public: true },
  { pattern: /^\/devices\/?$/, page: devicesPage, section: 'devices' },
  { pattern: /^\/devices\/([^/]+)\/?$/, page: devicePage, section: 'devices' },
  { pattern: /^\/events\/?$/, page: eventsPage, section: 'events' },
  { pattern: /^\/integrations\/?$/, page: integrationsPage, section: 'integrations' },
  { pattern: /^\/integrations\/new\/?$/, page: newIntegrationPage, section: 'integrations' },
  { pattern: /^\/integrations\/([0-9a-fA-F]{24})\/?$/, page: integrationPage, section: 'integrations' },
  { pattern: /^\/integrations\/([0-9a-fA-F]{24})\/edit\/?$/, page: editIntegrationPage, section: 'integrations' },
  { pattern: /^\/sims\/?$/, page: simsPage, section: 'sims' },
  { pattern: /^\/products\/?$/, page: productsPage, section: 'products' },
  { pattern: /^\/billing\/?$/, page: billingPage, section: 'billing' },
  { pattern: /^\/settings\/?$/, page: settingsPage, section: 'settings' },
  { pattern: /^\/products\/([^/]+)\/?$/, redirect: (path) => `${path.replace(/\/$/, '')}/${firstProductSection()}` },
  { pattern: /^\/products\/([^/]+)\/team\/?$/, page: productTeamPage, section: 'team', product: true },
  { pattern: /^\/products\/([^/]+)\/configuration\/?$/, page: productConfigurationPage, section: 'configuration', product: true },
  // signed in, but a page of its own, without the Console around it (Login with Drover's consent)
  { pattern: /^\/oauth\/authorize\/?$/, page: oauthAuthorizePage, standalone: true },
  // a mailed link, opened signed in or not, in any browser: the token in its fragment is the proof
  { pattern: /^\/verify-email\/?$/, page: verifyEmailPage, anyone: true },
  { pattern: /^\/products\/([^/]+)\/customers\/?$/, page: productCustomersPage, section: 'customers', product: true },
  { pattern: /^\/products\/([^/]+)\/sims\/?$/, page: productSimsPage, section: 'sims', product: true },
  { pattern: /^\/products\/([^/]+)\/devices\/?$/, page: productDevicesPage, section: 'devices', product: true },
  { pattern: /^\/products\/([^/]+)\/devices\/([^/]+)\/?$/, page: productDevicePage, section: 'devices', product: true },
  { pattern: /^\/products\/([^/]+)\/groups\/?$/, page: productGroupsPage, section: 'groups', product: true },
  { pattern: /^\/products\/([^/]+)\/firmware\/?$/, page: productFirmwarePage, section: 'firmware', product: true },
  { pattern: /^\/products\/([^/]+)\/logs\/?$/, page: productLogsPage, section: 'logs', product: true },
  { pattern: /^\/products\/([^/]+)\/integrations\/?$/, page: integrationsPage, section: 'integrations', product: true },
  { pattern: /^\/products\/([^/]+)\/integrations\/new\/?$/, page: newIntegrationPage, section: 'integrations', product: true },
  { pattern: /^\/products\/([^/]+)\/integrations\/([0-9a-fA-F]{24})\/?$/, page: integrationPage, section: 'integrations', product: true },
  { pattern: /^\/products\/([^/]+)\/integrations\/([0-9a-fA-F]{24})\/edit\/?$/, page: editIntegrationPage, section: 'integrations', product: true },
  // reached from the Map page's gear icon: the Map entry stays highlighted
  { pattern: /^\/products\/([^/]+)\/tracker-settings\/?$/, page: productTrackerSettingsPage, section: 'map', product: true },
  { pattern: /^\/products\/([^/]+)\/map\/?$/, page: productMapPage, section: 'map', product: true },
  { pattern: /^\/products\/([^/]+)\/billing\/?$/, page: productBillingPage, section: 'billing', product: true },
];

/** A product's address without a section opens its first page, in the sidebar's order. */
function firstProductSection() {
  const built = new Set(ROUTES.filter((r) => r.product).map((r) => r.section));
  return ['devices', 'groups', 'firmware', 'logs', 'team'].find((section) => built.has(section)) ?? 'team';
}

let shell = null;
let leavePage = null;

function render() {
  leavePage?.();
  leavePage = null;
  const path = location.pathname;
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (route?.redirect) {
    navigate(route.redirect(path), { replace: true });
    return;
  }
  const query = new URLSearchParams(location.search);
  if (route?.anyone) {
    shell = null;
    leavePage = route.page(root, { query, navigate }) ?? null;
    return;
  }
  if (route?.public) {
    if (session.signedIn()) {
      navigate(safeNext(query.get('next')), { replace: true });
      return;
    }
    shell = null;
    leavePage = route.page(root, { query, navigate }) ?? null;
    return;
  }
  if (!session.signedIn()) {
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  }
  if (route?.standalone) {
    shell = null;
    leavePage = route.page(root, { query, navigate }) ?? null;
    return;
  }
  if (!shell) {
    shell = createShell(root, {
      signOut, navigate, productSections: new Set(ROUTES.filter((r) => r.product).map((r) => r.section)),
    });
  }
  const params = route ? route.pattern.exec(path).slice(1).map(decodeURIComponent) : [];
  // a page no route knows, below a product: "not found" inside that product's sidebar
  const unknownInProduct = route ? null : /^\/products\/([^/]+)\/./.exec(path);
  shell.enter(route?.section ?? null, route?.product ? params[0] : unknownInProduct ? decodeURIComponent(unknownInProduct[1]) : null);
  leavePage = (route?.page ?? notFoundPage)(shell.main, { params, query, shell, navigate }) ?? null;
  shell.focusMain();
}

/** Only a path of this Console, never another origin: `next` comes from the address bar. */
function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/devices';
}

async function signOut() {
  try {
    await api.logOut();
  } catch {
    // the session is forgotten here whatever the server says; it may have ended already
  }
  session.end();
  shell = null;
  navigate('/login', { replace: true });
}

whenSessionEnds(() => {
  if (!session.signedIn()) return; // several requests may be refused at once; the first one ends it
  session.end();
  shell = null;
  navigate(`/login?expired=1&next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

// another tab signed out: this one leaves at once; another tab signed in: a log-in page here moves on
session.whenChangedElsewhere(async (change) => {
  if (change === 'signed-out') {
    shell = null;
    navigate('/login', { replace: true });
  } else if (!session.signedIn() && await session.resume()) {
    render();
  }
});

setInterval(() => refreshTimes(root), 30_000);
// the cookie is HttpOnly: whether it still names a session only the server can say
session.resume().then(() => startRouter(render));
