// The page a verification mail links to: /verify-email#token=... The token rides in the fragment,
// which the browser never sends to a server, and is taken off the address bar at once; the page posts
// it to the API, which verifies the address the link was mailed to. Works signed in or not.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { session } from '../lib/session.js';

export function verifyEmailPage(root) {
  document.title = 'Verify your email · Drover';
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(history.state, '', location.pathname);
  const card = h('div', { class: 'card auth-card', 'data-role': 'verify-email' }, h('p', { class: 'muted' }, 'Verifying…'));
  replace(root,
    h('div', { class: 'auth' },
      h('main', { class: 'auth-panel' },
        h('div', { class: 'brand brand-center' },
          h('img', { class: 'brand-mark', src: '/assets/favicon.svg', alt: '', width: 32, height: 32 }),
          h('span', { class: 'brand-name' }, 'Drover')),
        card)));
  const onward = h('p', {}, h('a', { href: session.signedIn() ? '/devices' : '/login' }, session.signedIn() ? 'Go to the Console' : 'Log in'));

  if (!token) {
    replace(card, h('h1', { class: 'auth-title' }, 'This link is incomplete'),
      h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'verify-error' },
        'Open the whole link from the mail, or ask for a new one.'), onward);
    return undefined;
  }
  let alive = true;
  api.confirmEmail(token).then((answer) => {
    if (!alive) return;
    replace(card, h('h1', { class: 'auth-title' }, 'Email address verified'),
      h('p', { 'data-role': 'verified-email' }, `${answer.email} is verified. You can close this page, or go back to the app that asked.`),
      onward);
  }, (failure) => {
    if (!alive) return;
    replace(card, h('h1', { class: 'auth-title' }, 'This link does not work'),
      h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'verify-error' }, failure.message), onward);
  });
  return () => {
    alive = false;
  };
}
