// Login with Drover's consent page (OAuth 2 authorization code, RFC 6749 section 4.1): a product's
// web app sent the person here; they see which app of which product asks, as which account, and
// allow or deny. The answer goes to the API with the consent token it gave for this request, and the
// browser then follows the redirect the API answers (to the app, with a code or access_denied). An
// invalid request (unknown client, a redirect URI not the client's) is shown here, never redirected.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { session } from '../lib/session.js';

export function oauthAuthorizePage(root, { query, navigate }) {
  document.title = 'Allow access · Drover';
  let alive = true;
  const card = h('div', { class: 'card auth-card', 'data-role': 'consent' }, h('p', { class: 'muted' }, 'Loading the request…'));
  replace(root,
    h('div', { class: 'auth' },
      h('main', { class: 'auth-panel' },
        h('div', { class: 'brand brand-center' },
          h('img', { class: 'brand-mark', src: '/assets/favicon.svg', alt: '', width: 32, height: 32 }),
          h('span', { class: 'brand-name' }, 'Drover')),
        card)));

  const request = {
    client_id: query.get('client_id'),
    redirect_uri: query.get('redirect_uri'),
    state: query.get('state'),
  };

  api.authorizeDetails(query.toString()).then((details) => {
    if (alive) showConsent(details);
  }, (failure) => {
    if (!alive) return;
    replace(card,
      h('h1', { class: 'auth-title' }, 'This request cannot be answered'),
      h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'consent-error' }, failure.message),
      h('p', { class: 'muted' }, 'Go back to the app you came from and try again, or tell its makers.'));
  });

  function showConsent(details) {
    const error = h('div', { class: 'form-error', role: 'alert' });
    const allow = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'allow' }, 'Allow');
    // the app will know the person by their email address: only one they have shown to be theirs
    const unverified = details.email_verified ? null : verifyFirst(details.account, allow);
    const deny = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'deny' }, 'Deny');
    const switchAccount = h('button', { type: 'button', class: 'link-button', 'data-action': 'switch-account' }, 'Not you?');
    replace(card,
      h('h1', { class: 'auth-title' }, `${details.client.name} wants to sign you in`),
      h('p', { class: 'auth-lead' },
        h('strong', { 'data-role': 'client-name' }, details.client.name), ', an app of ',
        h('strong', { 'data-role': 'product-name' }, details.product.name),
        ', asks to use your Drover account.'),
      h('p', {}, 'If you allow it, the app can:'),
      h('ul', {},
        h('li', {}, `sign you in as a customer of ${details.product.name}, with your email address;`),
        h('li', {}, `see and control the ${details.product.name} devices you claim, and their events.`)),
      h('p', { class: 'muted' }, 'It gets nothing else of your account: not your other devices, not your password.'),
      h('p', { class: 'small' }, 'Signed in as ', h('strong', { 'data-role': 'account' }, details.account), '. ', switchAccount),
      h('p', { class: 'small muted' }, 'You will be sent back to ', h('code', {}, new URL(details.redirect_to).origin), '.'),
      unverified,
      error,
      h('div', { class: 'dialog-actions' }, deny, allow));
    if (unverified) deny.focus(); else allow.focus();

    const decide = async (decision) => {
      allow.disabled = true;
      deny.disabled = true;
      replace(error);
      try {
        const answer = await api.authorizeDecision({ ...request, decision, consent_token: details.consent_token });
        location.assign(answer.redirect_to);
      } catch (failure) {
        replace(error, failure.message);
        allow.disabled = false;
        deny.disabled = false;
      }
    };
    allow.addEventListener('click', () => decide('allow'));
    deny.addEventListener('click', () => decide('deny'));
    switchAccount.addEventListener('click', async () => {
      try {
        await api.logOut();
      } catch {
        // the token is forgotten here whatever the server says
      }
      session.end();
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    });
  }

  return () => {
    alive = false;
  };
}

/** Allow waits for a verified address: a button mails the link; opening it (any browser) verifies, then this page is reloaded. */
function verifyFirst(email, allow) {
  allow.disabled = true;
  const status = h('p', { class: 'small', role: 'status', 'data-role': 'verification-status' });
  const send = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'send-verification' }, 'Mail me the link');
  const check = h('button', { type: 'button', class: 'link-button', 'data-action': 'check-verification' }, 'I opened it');
  send.addEventListener('click', async () => {
    send.disabled = true;
    try {
      await api.sendVerificationMail();
      replace(status, `A link is on its way to ${email}. Open it, then come back here.`);
    } catch (failure) {
      replace(status, failure.message);
    } finally {
      send.disabled = false;
    }
  });
  check.addEventListener('click', async () => {
    try {
      const state = await api.emailVerification();
      if (state.verified) {
        allow.disabled = false;
        replace(status, `${email} is verified.`);
        allow.focus();
      } else {
        replace(status, `${email} is not verified yet: open the link we mailed you.`);
      }
    } catch (failure) {
      replace(status, failure.message);
    }
  });
  return h('div', { class: 'callout', 'data-role': 'verify-email-first' },
    h('p', {}, 'Verify your email address ', h('strong', {}, email),
      ' first: the app will know you by it, so it must be shown to be yours.'),
    h('p', {}, send, ' ', check),
    status);
}
