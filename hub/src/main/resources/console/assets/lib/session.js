// The signed-in session. Its token is in an HttpOnly cookie that the server sets on signing in
// (POST /v1/console/session): no script of this page can read it, and every tab of this browser shares
// it, so a new tab or a reload stays signed in. What this module holds is only who is signed in, as
// GET /v1/user answered, and it tells the other tabs when this one signs in or out.

import { api } from './api.js';

let account = null;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('drover.session') : null;
let onChange = () => {};

channel?.addEventListener('message', (event) => {
  if (event.data === 'signed-out') {
    account = null;
    onChange('signed-out');
  } else if (event.data === 'signed-in') {
    onChange('signed-in');
  }
});

export const session = {
  signedIn() {
    return account !== null;
  },

  /** Asks the server whether the cookie still names a session; resolves to whether it does. */
  async resume() {
    try {
      account = await api.me();
    } catch {
      account = null; // refused (401) or unreachable: shown the log-in page, which says why on trying
    }
    return account !== null;
  },

  /** Signs in (the server sets the cookie), then learns the account and tells the other tabs. */
  async start(username, password) {
    await api.logIn(username, password);
    account = await api.me();
    channel?.postMessage('signed-in');
  },

  /** The account as GET /v1/user answered it. */
  account() {
    return account;
  },

  /** Forgets the account here and, with `everywhere`, tells the other tabs this browser's session ended. */
  end({ everywhere = true } = {}) {
    account = null;
    if (everywhere) channel?.postMessage('signed-out');
  },

  /** handler('signed-in' | 'signed-out') when another tab of this browser signs in or out. */
  whenChangedElsewhere(handler) {
    onChange = handler;
  },
};
