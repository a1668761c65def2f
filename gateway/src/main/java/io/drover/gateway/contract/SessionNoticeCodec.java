package io.drover.gateway.contract;

/**
 * Carries {@link SessionNotice}s on the bus, two per device session. Local delivery passes the
 * immutable record itself: no JSON made, copied and read again per connect and per disconnect. Across
 * a cluster it travels as the JSON of {@link SessionNotice#toJson()}.
 */
public final class SessionNoticeCodec extends JsonRecordCodec<SessionNotice> {

  public static final String NAME = "drover.session-notice";

  public SessionNoticeCodec() {
    super(NAME, SessionNotice::toJson, SessionNotice::fromJson);
  }
}
