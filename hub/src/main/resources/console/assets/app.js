// The Console's entry point: which page a path shows, who may see it, and the shell around it.

import { api, whenSessionEnds } from './lib/api.js';
import { refreshTimes } from './lib/format.js';
import { navigate, startRouter } from './lib/router.js';
import { session } from './lib/session.js';
import { loginPage, signupPage } from './pages/auth.js';
import { devicePage } from './pages/device.js';
import { devicesPage } from './pages/devices.js';
import { eventsPage } from './pages/event-logs.js';
import { notFoundPage } from './pages/not-found.js';
import { productFirmwarePage } from './pages/product-firmware.js';
import { createShell } from './pages/shell.js';

const root = document.getElementById('app');

const ROUTES = [
  { pattern: /^\/$/, redirect: () => (session.signedIn() ? '/devices' : '/login') },
  { pattern: /^\/login\/?$/, page: loginPage, public: true },
  { pattern: /^\/signup\/?$/, page: signupPage, public: true },
  { pattern: /^\/devices\/?$/, page: devicesPage, section: 'devices' },
  { pattern: /^\/devices\/([^/]+)\/?$/, page: devicePage, section: 'devices' },
  { pattern: /^\/events\/?$/, page: eventsPage, section: 'events' },
  { pattern: /^\/products\/([^/]+)\/firmware\/?$/, page: productFirmwarePage, section: 'firmware', product: true },
];

let shell = null;
let leavePage = null;

function render() {
  leavePage?.();
  leavePage = null;
  const path = location.pathname;
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (route?.redirect) {
    navigate(route.redirect(), { replace: true });
    return;
  }
  const query = new URLSearchParams(location.search);
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
  if (!shell) {
    shell = createShell(root, { signOut });
  }
  const params = route ? route.pattern.exec(path).slice(1).map(decodeURIComponent) : [];
  shell.enter(route?.section ?? null);
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
    // the token is forgotten here whatever the server says; it may have expired already
  }
  session.end();
  shell = null;
  navigate('/login', { replace: true });
}

whenSessionEnds(() => {
  if (!session.signedIn()) return; // several requests may be refused at once; the first one ends it
  session.end();
  shell = null;
  navigate(`/login?expired=1&next=${encodeURIComponent(location.pathname)}`, { replace: true });
});

setInterval(() => refreshTimes(root), 30_000);
startRouter(render);
