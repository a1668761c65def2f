// Every event of a stream, read with fetch rather than EventSource: EventSource only hands over the
// event names it was told of in advance. The stream is
// Particle's Server-Sent Events format (cloud-api.md, "Events").

import { api, CONSOLE_HEADER } from './api.js';
import { session } from './session.js';

const RETRY_MS = 3000;

/**
 * Follows `streamPath` (for example /v1/devices/events), reconnecting after a drop.
 *
 * @param onEvent ({name, data, ttl, published_at, coreid}) per event
 * @param onState ('connecting' | 'live' | 'reconnecting', detail) as the stream's state changes;
 *     detail is the API's error description when the server refused the stream
 * @returns {{close(): void}}
 */
export function followEvents(streamPath, { onEvent, onState }) {
  let controller = null;
  let retry = null;
  let closed = false;
  // the id of the last event read: a reconnection resumes after it, so nothing is missed meanwhile
  const position = { lastId: null };

  const later = () => {
    if (!closed) retry = setTimeout(open, RETRY_MS);
  };

  async function open() {
    if (closed || !session.signedIn()) return;
    onState('connecting');
    controller = new AbortController();
    const mine = controller;
    try {
      // the session cookie signs it in; a GET needs no Console header, which is sent all the same
      const headers = { ...CONSOLE_HEADER, Accept: 'text/event-stream' };
      if (position.lastId !== null) headers['Last-Event-ID'] = position.lastId;
      const response = await fetch(streamPath, {
        headers,
        cache: 'no-store',
        signal: mine.signal,
      });
      if (!response.ok) {
        let detail = `The server answered ${response.status}`;
        try {
          detail = (await response.json()).error_description ?? detail;
        } catch {
          // not the API's JSON: keep the status
        }
        onState('reconnecting', detail);
        // a refused token ends the session through the API client
        api.me().then(later, later);
        return;
      }
      onState('live');
      await read(response.body.getReader(), onEvent, position);
    } catch {
      if (mine.signal.aborted) return;
    }
    if (!mine.signal.aborted) {
      onState('reconnecting');
      later();
    }
  }

  // as in live.js: a page kept in the back-forward cache must not hold one of the host's connections
  const hide = () => {
    clearTimeout(retry);
    controller?.abort();
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

/** Splits the byte stream into lines and lines into events: `id:`, `event:`, `data:`, a blank line ends one. */
async function read(reader, onEvent, position) {
  const decoder = new TextDecoder();
  let buffered = '';
  let id = null;
  let name = null;
  let data = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line === '') {
        if (id !== null) position.lastId = id;
        if (name !== null && data !== null) {
          try {
            onEvent({ id: id === null ? null : Number(id), name, ...JSON.parse(data) });
          } catch {
            // a frame that is not the API's JSON is skipped
          }
        }
        id = null;
        name = null;
        data = null;
      } else if (line.startsWith('id:')) {
        id = line.slice(3).trim();
      } else if (line.startsWith('event:')) {
        name = line.slice(6).trimStart();
      } else if (line.startsWith('data:')) {
        data = line.slice(5).trimStart();
      }
    }
  }
}
