package io.drover.coap;

import java.util.concurrent.CompletionStage;

/**
 * The device's requests, decoded once from the wire. Implemented by the gateway; each method is
 * called on the resources' executor and answers with a stage whose reply is sent to the device.
 */
public interface DeviceRequestHandler {

  /**
   * {@code POST /e/{name}}: an event. A confirmable request should be answered once the event is
   * stored; a non-confirmable one at once.
   *
   * @param name the Uri-Path segments after {@code e}, joined by '/'
   */
  CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable);

  /** {@code POST /d}: the functions and variables the device has, as JSON. */
  CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description);
}
