// Live device status from the API's Server-Sent Events. EventSource cannot send headers, so the
// token travels as the access_token query parameter, which the API accepts for this reason.

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
        // refused (not a dropped connection, which EventSource retries itself): try again later
        onState('reconnecting');
        retry = setTimeout(open, RETRY_AFTER_CLOSE_MS);
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

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}
