// The signed-in session: the access token lives in sessionStorage, so it ends with the tab and is
// never shared with other tabs or written to disk by this page.

const TOKEN = 'drover.token';
const ACCOUNT = 'drover.account';

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN);
  },

  signedIn() {
    return this.token() !== null;
  },

  start(grant) {
    sessionStorage.setItem(TOKEN, grant.access_token);
    sessionStorage.removeItem(ACCOUNT);
  },

  /** The account as GET /v1/user answered it, cached for the life of the token. */
  account() {
    const stored = sessionStorage.getItem(ACCOUNT);
    return stored ? JSON.parse(stored) : null;
  },

  rememberAccount(account) {
    sessionStorage.setItem(ACCOUNT, JSON.stringify(account));
  },

  end() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACCOUNT);
  },
};
