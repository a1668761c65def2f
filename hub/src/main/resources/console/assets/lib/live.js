// Live device status from the API's Server-Sent Events. EventSource cannot send an Authorization
// header, and an access token in a URL ends up in proxy and server logs; so each stream opens with a
// stream ticket (POST /v1/events/stream_tickets), which opens that one stream, once, within a minute.
// EventSource's own reconnection would show the spent ticket again, so after any error the stream is
// closed here and a new one opened with a new ticket.

import { api } from './api.js';
import { session } from './session.js';

const RETRY_MS = 3000;

/**
 * The cloud's notices on an account's stream (a claim, rename, unclaim) and a product's (devices added,
 * removed, renamed): docs/api.md, "Device notices".
 */
const NOTICES = ['drover/device/claimed', 'drover/device/renamed', 'drover/device/unclaimed', 'drover/device/added',
  'drover/device/removed'];
/** The stream's filter when notices are followed: one OR of event names, so no other event crosses the wire. */
const STATUS_AND_NOTICES = 'event:spark/status event:drover/device/';

/**
 * Follows `spark/status` on `streamPath` (for example /v1/devices/events/spark/status).
 *
 * @param onStatus (deviceId, online, publishedAt) for each online/offline event
 * @param onState ('connecting' | 'live' | 'reconnecting') as the stream's state changes; 'live' comes
 *     on every (re)open, the moment to resynchronise whatever might have been missed while closed
 * @param onNotice optional (name, data) for each device notice (`drover/device/claimed`, `renamed`,
 *     `unclaimed`, `added`, `removed`; data as the API documents it); given, `streamPath` is a whole
 *     stream (/v1/devices/events, /v1/products/:p/events) and the server filters it to the status
 *     events and the notices
 * @returns {{close(): void}} closing stops the stream and any retry
 */
export function followStatus(streamPath, { onStatus, onState, onNotice }) {
  let source = null;
  let retry = null;
  let closed = false;
  // each open() takes a number: a ticket that arrives after its stream was given up opens nothing
  let attempt = 0;

  const later = () => {
    clearTimeout(retry);
    if (!closed) retry = setTimeout(open, RETRY_MS);
  };

  const open = async () => {
    if (closed || !session.signedIn()) return;
    const mine = ++attempt;
    onState('connecting');
    let ticket;
    try {
      ({ ticket } = await api.streamTicket(streamPath));
    } catch {
      // a refused token ends the session through the API client; anything else is tried again
      if (mine === attempt) later();
      return;
    }
    if (closed || mine !== attempt) return;
    const query = new URLSearchParams({ stream_ticket: ticket });
    if (onNotice) query.set('filter', STATUS_AND_NOTICES);
    const stream = new EventSource(`${streamPath}?${query}`);
    source = stream;
    stream.addEventListener('open', () => onState('live'));
    stream.addEventListener('error', () => {
      // dropped or refused, the ticket is spent: a new stream needs a new one
      stream.close();
      if (source !== stream) return;
      source = null;
      onState('reconnecting');
      later();
    });
    stream.addEventListener('spark/status', (event) => {
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
    if (onNotice) {
      for (const name of NOTICES) {
        stream.addEventListener(name, (event) => {
          try {
            const notice = JSON.parse(JSON.parse(event.data).data);
            if (notice && typeof notice === 'object') onNotice(name, notice);
          } catch {
            // not a notice of ours: ignored
          }
        });
      }
    }
  };

  // A page leaving for the back-forward cache keeps its stream open unless told otherwise, and a
  // browser gives a host only six HTTP/1.1 connections: a few cached pages would starve the next
  // page load. So the stream closes on pagehide and opens again if the page is shown from the cache.
  const hide = () => {
    clearTimeout(retry);
    attempt++;
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
