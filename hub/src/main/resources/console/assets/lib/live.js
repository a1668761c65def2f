// Live device status from the API's Server-Sent Events. EventSource cannot send headers, so the
// token travels as the access_token query parameter, which the API accepts for this reason.

import { api } from './api.js';
import { session } from './session.js';

const RETRY_AFTER_CLOSE_MS = 5000;

/**
 * Follows `spark/status` on `streamPath` (for example /v1/devices/events/spark/status).
 *
 * @param onStatus (deviceId, online, publishedAt) for each online/offline event
 * @param onState ('connecting' | 'live' | 'reconnecting') as the stream's state changes; 'live' comes
 *     on every (re)open, the moment to resynchronise whatever might have been missed while closed
 * @returns {{close(): void}} closing stops the stream and any retry
 */
export function followStatus(streamPath, { onStatus, onState }) {
  let source = null;
  let retry = null;
  let closed = false;

  const open = () => {
    const token = session.token();
    if (closed || !token) return;
    onState('connecting');
    source = new EventSource(`${streamPath}?access_token=${encodeURIComponent(token)}`);
    source.addEventListener('open', () => onState('live'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused, not dropped (EventSource retries a dropped connection itself). EventSource cannot
        // tell why; a plain request can: a refused token ends the session through the API client.
        onState('reconnecting');
        const later = () => {
          if (!closed) retry = setTimeout(open, RETRY_AFTER_CLOSE_MS);
        };
        api.me().then(later, later);
      } else {
        onState('reconnecting');
      }
    });
    source.addEventListener('spark/status', (event) => {
      let payload;
      try {
        payload = JSON.parse(event.data);
      } catch {
        return;
      }
      if (payload && (payload.data === 'online' || payload.data === 'offline') && payload.coreid) {
        onStatus(payload.coreid, payload.data === 'online', payload.published_at);
      }
    });
  };

  // A page leaving for the back-forward cache keeps its stream open unless told otherwise, and a
  // browser gives a host only six HTTP/1.1 connections: a few cached pages would starve the next
  // page load. So the stream closes on pagehide and opens again if the page is shown from the cache.
  const hide = () => {
    clearTimeout(retry);
    source?.close();
    source = null;
  };
  const show = (event) => {
    if (event.persisted && !closed) open();
  };
  window.addEventListener('pagehide', hide);
  window.addEventListener('pageshow', show);

  open();
  return {
    close() {
      closed = true;
      hide();
      window.removeEventListener('pagehide', hide);
      window.removeEventListener('pageshow', show);
    },
  };
}
