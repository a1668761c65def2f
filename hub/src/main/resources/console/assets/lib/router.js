// Client-side navigation with the History API. The server answers index.html for every page path,
// so a reload or a shared link lands on the same page.

let onChange = () => {};

export function startRouter(render) {
  onChange = render;
  window.addEventListener('popstate', () => onChange());
  // Plain left clicks on same-origin links move within the app; modified clicks open tabs as usual.
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey || link.target || link.hasAttribute('download')) {
      return;
    }
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname.startsWith('/assets/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  onChange();
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else if (to !== location.pathname + location.search + location.hash) history.pushState(null, '', to);
  onChange();
}
