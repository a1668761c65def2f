// The frame around every signed-in page: the sidebar with the Console's sections, the top bar with
// the breadcrumbs and the account, and the main area the pages render into.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { session } from '../lib/session.js';

/** The Console's sections, in its order; those without `href` are not built yet. */
const SECTIONS = [
  { group: 'Develop', items: [
    { id: 'devices', label: 'Devices', icon: 'devices', href: '/devices' },
    { id: 'events', label: 'Events', icon: 'events', href: '/events' },
    { id: 'integrations', label: 'Integrations', icon: 'integrations' },
  ] },
  { group: 'Fleet', items: [
    { id: 'products', label: 'Products', icon: 'products' },
    { id: 'sims', label: 'SIM cards', icon: 'sims' },
  ] },
  { group: 'Account', items: [
    { id: 'billing', label: 'Billing', icon: 'billing' },
    { id: 'settings', label: 'Settings', icon: 'settings' },
  ] },
];

export function createShell(root, { signOut }) {
  const navLinks = new Map();
  const nav = h('nav', { class: 'sidebar-nav', 'aria-label': 'Console' },
    SECTIONS.map(({ group, items }) => h('div', { class: 'nav-group' },
      h('h2', { class: 'nav-group-title' }, group),
      h('ul', { class: 'nav-list' }, items.map((item) => h('li', {}, navItem(item, navLinks)))))));

  const breadcrumbs = h('ol', { class: 'breadcrumbs' });
  const accountName = h('span', { class: 'account-name' }, session.account()?.username ?? '');
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const adminBadge = h('span', { class: 'badge badge-neutral', hidden: true }, 'Admin');
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });

  replace(root,
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h('div', { class: 'layout' },
      h('aside', { class: 'sidebar' },
        h('a', { class: 'brand', href: '/devices', 'aria-label': 'Drover Console home' },
          h('img', { class: 'brand-mark', src: '/assets/favicon.svg', alt: '', width: 28, height: 28 }),
          h('span', { class: 'brand-name' }, 'Drover'),
          h('span', { class: 'brand-tag' }, 'Console')),
        nav,
        h('p', { class: 'sidebar-foot' }, 'Self-hosted device cloud')),
      h('div', { class: 'workspace' },
        h('header', { class: 'topbar' },
          h('nav', { 'aria-label': 'Breadcrumb', class: 'topbar-crumbs' }, breadcrumbs),
          h('div', { class: 'account', 'aria-label': 'Account', role: 'group' },
            avatar,
            h('span', { class: 'account-text' }, accountName, adminBadge),
            h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: signOut, 'data-action': 'sign-out' },
              icon('signout'), 'Sign out'))),
        main)));

  const showAccount = (account) => {
    accountName.textContent = account.username;
    avatar.textContent = (account.username ?? '?').charAt(0).toUpperCase();
    adminBadge.hidden = !account.admin;
  };
  if (session.account()) {
    showAccount(session.account());
  } else {
    api.me().then((account) => {
      session.rememberAccount(account);
      showAccount(account);
    }).catch(() => {
      // a refused token ends the session through the API client; other failures leave the name blank
    });
  }

  return {
    main,
    /** Marks the section a page belongs to, and empties the main area for it. */
    enter(section) {
      for (const [id, link] of navLinks) {
        if (id === section) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
      main.replaceChildren();
    },
    /** [{label, href?}]: the last is the current page. Also sets the window's title. */
    setTrail(trail) {
      replace(breadcrumbs, trail.map((step, i) => h('li', {},
        step.href && i < trail.length - 1
          ? h('a', { href: step.href }, step.label)
          : h('span', { 'aria-current': i === trail.length - 1 ? 'page' : null }, step.label))));
      document.title = `${trail[trail.length - 1].label} · Drover Console`;
    },
    focusMain() {
      main.focus({ preventScroll: true });
    },
  };
}

function navItem(item, navLinks) {
  if (item.href) {
    const link = h('a', { class: 'nav-item', href: item.href }, icon(item.icon), h('span', { class: 'nav-label' }, item.label));
    navLinks.set(item.id, link);
    return link;
  }
  // Not built yet: shown so the Console's shape is clear, but not a link to a page that is not there.
  return h('span', { class: 'nav-item is-soon', 'aria-disabled': 'true', title: `${item.label} is coming soon` },
    icon(item.icon), h('span', { class: 'nav-label' }, item.label),
    h('span', { class: 'soon' }, 'Coming soon'));
}
