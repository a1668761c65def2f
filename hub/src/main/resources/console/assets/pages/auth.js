// Log in and sign up. Both end with POST /v1/console/session, which sets the session cookie (HttpOnly,
// shared by every tab of this browser); the page never sees a token.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { session } from '../lib/session.js';

export function loginPage(root, { query, navigate }) {
  const notice = query.get('expired') ? 'Your session has ended. Log in again to continue.' : null;
  return authPage(root, {
    title: 'Log in to Drover',
    lead: 'Manage your devices, their functions and variables.',
    passwordAutocomplete: 'current-password',
    submitLabel: 'Log in',
    busyLabel: 'Logging in…',
    notice,
    switchText: 'New to Drover?',
    switchLink: { href: withNext('/signup', query), label: 'Create an account' },
    async submit(email, password) {
      await session.start(email, password);
      navigate(next(query), { replace: true });
    },
  });
}

export function signupPage(root, { query, navigate }) {
  return authPage(root, {
    title: 'Create your account',
    lead: 'Claim devices and manage them from one place.',
    passwordAutocomplete: 'new-password',
    passwordHint: 'At least 8 characters.',
    submitLabel: 'Create account',
    busyLabel: 'Creating account…',
    switchText: 'Have an account?',
    switchLink: { href: withNext('/login', query), label: 'Log in' },
    async submit(email, password) {
      await api.signUp(email, password);
      await session.start(email, password);
      navigate(next(query), { replace: true });
    },
  });
}

function next(query) {
  const to = query.get('next');
  return to && to.startsWith('/') && !to.startsWith('//') && !to.startsWith('/login') ? to : '/devices';
}

function withNext(path, query) {
  return query.get('next') ? `${path}?next=${encodeURIComponent(query.get('next'))}` : path;
}

function authPage(root, options) {
  document.title = `${options.submitLabel} · Drover Console`;
  const email = h('input', {
    id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false', class: 'input',
  });
  const password = h('input', {
    id: 'password', name: 'password', type: 'password', autocomplete: options.passwordAutocomplete, required: true,
    class: 'input', 'aria-describedby': options.passwordHint ? 'password-hint' : null,
  });
  const error = h('div', { id: 'form-error', class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, options.submitLabel);
  let busy = false;

  const form = h('form', { class: 'stack', novalidate: true, 'aria-describedby': 'form-error' },
    h('div', { class: 'field' },
      h('label', { for: 'email' }, 'Email'),
      email),
    h('div', { class: 'field' },
      h('label', { for: 'password' }, 'Password'),
      password,
      options.passwordHint && h('p', { id: 'password-hint', class: 'hint' }, options.passwordHint)),
    error,
    submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    replace(error);
    for (const input of [email, password]) input.removeAttribute('aria-invalid');
    const missing = [email, password].find((input) => input.value.trim() === '');
    if (missing) {
      missing.setAttribute('aria-invalid', 'true');
      replace(error, missing === email ? 'Enter your email address.' : 'Enter your password.');
      missing.focus();
      return;
    }
    busy = true;
    form.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    submit.textContent = options.busyLabel;
    try {
      await options.submit(email.value.trim(), password.value);
    } catch (failure) {
      replace(error, failure.message);
      const culprit = failure.error === 'invalid_grant' ? password
        : failure.error === 'username_taken' || /username|email/i.test(failure.message) ? email
          : /password/i.test(failure.message) ? password : null;
      culprit?.setAttribute('aria-invalid', 'true');
      (culprit ?? email).focus();
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
      submit.disabled = false;
      submit.textContent = options.submitLabel;
    }
  });

  replace(root,
    h('div', { class: 'auth' },
      h('main', { class: 'auth-panel' },
        h('div', { class: 'brand brand-center' },
          h('img', { class: 'brand-mark', src: '/assets/favicon.svg', alt: '', width: 32, height: 32 }),
          h('span', { class: 'brand-name' }, 'Drover')),
        h('div', { class: 'card auth-card' },
          h('h1', { class: 'auth-title' }, options.title),
          h('p', { class: 'muted auth-lead' }, options.lead),
          options.notice && h('div', { class: 'callout callout-info', role: 'status' }, options.notice),
          form),
        h('p', { class: 'auth-switch' }, options.switchText, ' ',
          h('a', { href: options.switchLink.href }, options.switchLink.label)))));
  email.focus();
  return null;
}
