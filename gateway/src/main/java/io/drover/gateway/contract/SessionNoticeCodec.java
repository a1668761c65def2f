package io.drover.gateway.contract;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Carries {@link SessionNotice}s on the bus, two per device session. Local delivery passes the
 * immutable record itself: no JSON made, copied and read again per connect and per disconnect. Across
 * a cluster it travels as the JSON of {@link SessionNotice#toJson()}.
 */
public final class SessionNoticeCodec implements MessageCodec<SessionNotice, SessionNotice> {

  public static final String NAME = "drover.session-notice";

  @Override
  public void encodeToWire(Buffer buffer, SessionNotice notice) {
    Buffer json = notice.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public SessionNotice decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return SessionNotice.fromJson(new JsonObject(buffer.slice(pos + 4, pos + 4 + length)));
  }

  @Override
  public SessionNotice transform(SessionNotice notice) {
    return notice;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
