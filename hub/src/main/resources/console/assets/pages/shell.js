// The frame around every signed-in page: the sidebar with the Console's sections (or, on a product's
// pages, the product's own sections), the top bar with the breadcrumbs, the product ID and the
// account, pending team invitations, and the main area the pages render into.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { session } from '../lib/session.js';

/** The Console's sections, in its order; those without `href` are not built yet. */
const SECTIONS = [
  { group: 'Develop', items: [
    { id: 'devices', label: 'Devices', icon: 'devices', href: '/devices' },
    { id: 'events', label: 'Events', icon: 'events', href: '/events' },
    { id: 'integrations', label: 'Integrations', icon: 'integrations', href: '/integrations' },
  ] },
  { group: 'Fleet', items: [
    { id: 'products', label: 'Products', icon: 'products', href: '/products' },
    { id: 'sims', label: 'SIM cards', icon: 'sims', href: '/sims' },
  ] },
  { group: 'Account', items: [
    { id: 'billing', label: 'Billing', icon: 'billing', href: '/billing' },
    { id: 'settings', label: 'Settings', icon: 'settings', href: '/settings' },
  ] },
];

/** A product's sections, in the Console's order; Map only for tracker products. */
const PRODUCT_SECTIONS = [
  { id: 'devices', label: 'Devices', icon: 'devices' },
  { id: 'groups', label: 'Groups', icon: 'groups' },
  { id: 'firmware', label: 'Firmware', icon: 'firmware' },
  { id: 'logs', label: 'Logs', icon: 'logs' },
  { id: 'team', label: 'Team', icon: 'team' },
  { id: 'customers', label: 'Customers', icon: 'customers' },
  { id: 'sims', label: 'SIM cards', icon: 'sims' },
  { id: 'integrations', label: 'Integrations', icon: 'integrations' },
  { id: 'billing', label: 'Billing', icon: 'billing', needs: 'manage_billing' },
  { id: 'configuration', label: 'Configuration', icon: 'settings' },
  { id: 'map', label: 'Map', icon: 'map', tracker: true },
];

/**
 * @param productSections the product sections that have a page (app.js ROUTES with `product: true`);
 *     the others show as coming soon
 */
export function createShell(root, { signOut, productSections = new Set(), navigate }) {
  let navLinks = new Map();
  const nav = h('nav', { class: 'sidebar-nav', 'aria-label': 'Console' });
  const breadcrumbs = h('ol', { class: 'breadcrumbs' });
  const productId = h('span', { class: 'product-id', 'data-role': 'product-id', title: 'Product ID', hidden: true });
  const accountName = h('span', { class: 'account-name' }, session.account()?.username ?? '');
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const adminBadge = h('span', { class: 'badge badge-neutral', hidden: true }, 'Admin');
  const invitations = h('section', { class: 'invitations', 'aria-label': 'Team invitations', 'data-role': 'invitations', hidden: true });
  // the failed-payment banner (the Console guide's "Failed Payments"), on every page but Billing's own, which has it in full
  const billingNotice = h('section', { class: 'billing-notice', 'aria-label': 'Billing notice', 'data-role': 'billing-notice', hidden: true });
  let onBillingPage = false;
  let notices = null;
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  /** idOrSlug -> Promise of the product as GET /v1/products/:id answers it (with the caller's role and permissions) */
  const products = new Map();
  let shownProduct;
  let currentProduct = null;
  /** the name of the product shown, once it arrived: breadcrumbs show it instead of the address's slug */
  let shownProductName = null;
  let trail = [];
  let currentSection = null;
  const menuButton = h('button', {
    type: 'button', class: 'btn btn-ghost btn-sm menu-button', 'aria-label': 'Menu', 'aria-expanded': 'false',
    'aria-controls': 'sidebar', 'data-action': 'open-menu',
  }, icon('menu'));
  const scrim = h('div', { class: 'sidebar-scrim', 'data-role': 'sidebar-scrim', 'aria-hidden': 'true' });

  replace(root,
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h('div', { class: 'layout' },
      h('aside', { class: 'sidebar', id: 'sidebar' },
        h('a', { class: 'brand', href: '/devices', 'aria-label': 'Drover Console home' },
          h('img', { class: 'brand-mark', src: '/assets/favicon.svg', alt: '', width: 28, height: 28 }),
          h('span', { class: 'brand-name' }, 'Drover'),
          h('span', { class: 'brand-tag' }, 'Console')),
        nav,
        h('p', { class: 'sidebar-foot' }, 'Self-hosted device cloud')),
      scrim,
      h('div', { class: 'workspace' },
        h('header', { class: 'topbar' },
          menuButton,
          h('nav', { 'aria-label': 'Breadcrumb', class: 'topbar-crumbs' }, breadcrumbs),
          h('div', { class: 'topbar-end' },
            productId,
            h('div', { class: 'account', 'aria-label': 'Account', role: 'group' },
              avatar,
              h('span', { class: 'account-text' }, accountName, adminBadge),
              h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: signOut, 'data-action': 'sign-out' },
                icon('signout'), 'Sign out')))),
        billingNotice,
        invitations,
        main)));

  // What the caller may do in the product shown (GET /v1/products/:id's permissions), for console.css to
  // hide the controls marked data-needs="<permission>" that it may not use: "pending" hides them all
  // until the product arrives; outside a product nothing is hidden (the account's own things).
  const layout = root.querySelector('.layout');

  // Narrow windows (console.css): the sidebar is an overlay the menu button opens; Escape, a click
  // outside it or following one of its links closes it, and the focus goes back to the button.
  const setMenu = (open, refocus = false) => {
    if (open === (layout.dataset.menu === 'open')) return;
    if (open) layout.dataset.menu = 'open';
    else delete layout.dataset.menu;
    menuButton.setAttribute('aria-expanded', String(open));
    if (open) nav.querySelector('a, button')?.focus();
    else if (refocus) menuButton.focus();
  };
  menuButton.addEventListener('click', () => setMenu(layout.dataset.menu !== 'open'));
  scrim.addEventListener('click', () => setMenu(false, true));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && layout.dataset.menu === 'open') setMenu(false, true);
  });
  root.querySelector('.sidebar').addEventListener('click', (event) => {
    if (event.target.closest('a[href]')) setMenu(false);
  });

  const drawTrail = () => {
    const label = (step) => (shownProductName !== null && step.label === shownProduct ? shownProductName : step.label);
    replace(breadcrumbs, trail.map((step, i) => h('li', {},
      step.href && i < trail.length - 1
        ? h('a', { href: step.href }, label(step))
        : h('span', { 'aria-current': i === trail.length - 1 ? 'page' : null }, label(step)))));
    if (trail.length > 0) document.title = `${label(trail[trail.length - 1])} · Drover Console`;
  };

  const showAccount = (account) => {
    accountName.textContent = account.username;
    avatar.textContent = (account.username ?? '?').charAt(0).toUpperCase();
    adminBadge.hidden = !account.admin;
  };
  // the app learnt the account before it drew a signed-in page (session.resume or session.start)
  if (session.account()) showAccount(session.account());
  showInvitations(invitations, navigate);

  const drawNotices = () => {
    const own = notices?.own;
    const teams = notices?.products ?? [];
    billingNotice.hidden = onBillingPage || (!own && teams.length === 0);
    if (billingNotice.hidden) {
      replace(billingNotice);
      return;
    }
    const rows = [];
    if (own) {
      const text = own.locked
        ? 'Your account is locked: update your card. Changes are refused until a payment succeeds; nothing is deleted and your devices keep working.'
        : `A payment${own.product_name ? ` for ${own.product_name}` : ''} failed (attempt ${own.attempts} of ${own.max_attempts}). `
          + 'Update your card to avoid an interruption.';
      rows.push(h('div', { class: `callout ${own.locked ? 'callout-error' : 'callout-warning'}`, role: 'alert', 'data-kind': 'own',
        'data-locked': String(Boolean(own.locked)) },
      icon('warning', 'callout-icon'),
      h('p', { class: 'billing-notice-text' }, text),
      h('a', { class: 'btn btn-primary btn-sm', href: '/billing', 'data-action': 'notice-update-card' }, 'Update card')));
    }
    for (const product of teams) {
      rows.push(h('div', { class: `callout ${product.locked ? 'callout-error' : 'callout-warning'}`, role: 'status', 'data-kind': 'team',
        'data-product-id': product.product_id },
      icon('warning', 'callout-icon'),
      h('p', { class: 'billing-notice-text' },
        product.locked
          ? `The account of ${product.owner}, who pays for ${product.name}, is locked after failed payments: changes to it are refused until they update their card.`
          : `A payment by ${product.owner} for ${product.name} failed: ask them to update their card before the account is locked.`)));
    }
    replace(billingNotice, rows);
  };
  const refreshNotices = async () => {
    try {
      notices = await api.billingNotices();
    } catch {
      return; // a convenience: the Billing page and the API say it all the same
    }
    billingNotice.dataset.loaded = 'true';
    drawNotices();
  };
  refreshNotices();

  function consoleNav() {
    delete nav.dataset.drawn;
    navLinks = new Map();
    replace(nav, SECTIONS.map(({ group, items }) => h('div', { class: 'nav-group' },
      h('h2', { class: 'nav-group-title' }, group),
      h('ul', { class: 'nav-list' }, items.map((item) => h('li', {}, navItem(item, navLinks)))))));
  }

  /**
   * The product's sidebar: drawn at once from the address, completed when the product arrives. When the
   * product brings the same sections, only its name changes: the links stay the same elements, so a
   * click on one while the product loads is not lost.
   */
  function productNav(idOrSlug, product) {
    const base = `/products/${encodeURIComponent(idOrSlug)}`;
    const items = PRODUCT_SECTIONS
      .filter((section) => !section.tracker || product?.type === 'tracker')
      .filter((section) => !section.needs || !product || product.permissions?.includes(section.needs))
      .map((section) => ({ ...section, href: productSections.has(section.id) ? `${base}/${section.id}` : undefined }));
    const drawn = `${base} ${items.map((item) => item.id).join(' ')}`;
    const heading = nav.querySelector('.nav-product-name');
    if (heading && nav.dataset.drawn === drawn) {
      heading.textContent = product?.name ?? idOrSlug;
      heading.title = product?.name ?? idOrSlug;
      return;
    }
    nav.dataset.drawn = drawn;
    navLinks = new Map();
    replace(nav,
      h('a', { class: 'nav-back', href: '/products' }, icon('back'), 'All products'),
      h('div', { class: 'nav-group nav-product', 'data-role': 'product-nav' },
        h('h2', { class: 'nav-product-name', title: product?.name ?? idOrSlug }, product?.name ?? idOrSlug),
        h('ul', { class: 'nav-list' }, items.map((item) => h('li', {}, navItem(item, navLinks))))));
  }

  function productOf(idOrSlug) {
    if (!products.has(idOrSlug)) {
      const loading = api.product(idOrSlug).then((answer) => answer.product);
      loading.catch(() => products.delete(idOrSlug));
      products.set(idOrSlug, loading);
    }
    return products.get(idOrSlug);
  }

  function markCurrent(section) {
    for (const [id, link] of navLinks) {
      if (id === section) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  consoleNav();

  return {
    main,
    /**
     * Marks the section a page belongs to, and empties the main area for it. With a product (its ID or
     * slug from the address) the sidebar becomes the product's, and the top bar shows its ID.
     */
    enter(section, productIdOrSlug = null) {
      if (productIdOrSlug !== shownProduct) {
        shownProduct = productIdOrSlug;
        currentProduct = null;
        shownProductName = null;
        productId.hidden = true;
        if (productIdOrSlug === null) {
          delete layout.dataset.permissions;
          consoleNav();
        } else {
          layout.dataset.permissions = 'pending';
          productNav(productIdOrSlug, null);
          currentProduct = productOf(productIdOrSlug);
          currentProduct.then((product) => {
            if (shownProduct !== productIdOrSlug) return;
            layout.dataset.permissions = (product.permissions ?? []).join(' ');
            shownProductName = product.name;
            drawTrail();
            productNav(productIdOrSlug, product);
            markCurrent(currentSection); // the page's section now: another may have opened while the product loaded
            replace(productId, icon('key'), h('span', { class: 'sr-only' }, 'Product ID '), String(product.id));
            productId.hidden = false;
          }).catch(() => {
            // the page says what went wrong (not found, no access); the sidebar keeps the address's name
          });
        }
      }
      currentSection = section;
      markCurrent(section);
      const wasOnBilling = onBillingPage;
      onBillingPage = section === 'billing' && productIdOrSlug === null;
      if (wasOnBilling !== onBillingPage) drawNotices();
      main.replaceChildren();
    },
    /** Asks again for the failed-payment banner: after a card update, say. */
    refreshBillingNotice() {
      return refreshNotices();
    },
    /** The product of the current page (a Promise), null outside a product. */
    product() {
      return currentProduct;
    },
    /** Forgets a product's cached description, after the page changed it (name, role). */
    forgetProduct(idOrSlug) {
      products.delete(idOrSlug);
      if (shownProduct === idOrSlug) shownProduct = undefined;
    },
    /**
     * [{label, href?}]: the last is the current page. Also sets the window's title. A step labelled with
     * the product's ID or slug from the address shows the product's name once it is known.
     */
    setTrail(steps) {
      trail = steps;
      drawTrail();
    },
    focusMain() {
      main.focus({ preventScroll: true });
    },
  };
}

/** Pending invitations to product teams, each with Accept and Decline; shown once the shell opens. */
async function showInvitations(region, navigate) {
  let pending;
  try {
    pending = (await api.invitations()).invitations;
  } catch {
    return; // the banner is a convenience: the Team pages and the API still have them
  }
  const draw = () => {
    region.hidden = pending.length === 0;
    replace(region, pending.map((invitation) => invitationRow(invitation)));
  };
  const invitationRow = (invitation) => {
    const error = h('span', { class: 'field-error', role: 'alert' });
    const answer = async (accept, button) => {
      button.disabled = true;
      try {
        await api.answerInvitation(invitation.product.id, accept);
        pending = pending.filter((other) => other !== invitation);
        draw();
        if (accept) navigate?.(`/products/${encodeURIComponent(invitation.product.slug)}`);
      } catch (failure) {
        button.disabled = false;
        replace(error, failure.message);
      }
    };
    const accept = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'accept-invitation' }, 'Accept');
    const decline = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'decline-invitation' }, 'Decline');
    accept.addEventListener('click', () => answer(true, accept));
    decline.addEventListener('click', () => answer(false, decline));
    return h('div', { class: 'callout callout-info invitation', 'data-product-id': invitation.product.id },
      icon('team', 'callout-icon'),
      h('p', { class: 'invitation-text' },
        invitation.invited_by ? `${invitation.invited_by} invited you` : 'You are invited',
        ' to join the team of ', h('strong', {}, invitation.product.name),
        ` as ${ROLE_LABELS[invitation.role] ?? invitation.role}.`),
      error,
      h('div', { class: 'invitation-actions' }, decline, accept));
  };
  draw();
}

export const ROLE_LABELS = {
  administrator: 'Administrator',
  developer: 'Developer',
  support: 'Support',
  view_only: 'View-only',
};

function navItem(item, navLinks) {
  if (item.href) {
    const link = h('a', { class: 'nav-item', href: item.href, 'data-section': item.id },
      icon(item.icon), h('span', { class: 'nav-label' }, item.label));
    navLinks.set(item.id, link);
    return link;
  }
  // Not built yet: shown so the Console's shape is clear, but not a link to a page that is not there.
  return h('span', { class: 'nav-item is-soon', 'aria-disabled': 'true', title: `${item.label} is coming soon`, 'data-section': item.id },
    icon(item.icon), h('span', { class: 'nav-label' }, item.label),
    h('span', { class: 'soon' }, 'Coming soon'));
}
