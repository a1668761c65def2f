package io.drover.coap;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAPMessageFormatException;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.elements.util.DatagramReader;

/**
 * Californium's parser of CoAP over UDP and DTLS, with one malformation turned into the message format
 * error it is: a Block1 or Block2 block larger than its size exponent allows (RFC 7959 section 2.3).
 * Californium 3.14 checks that with an {@link IllegalStateException}, which its endpoint does not catch:
 * the request went unanswered and its protocol stage logged an ERROR with a stack trace, for every such
 * datagram a device sent. As a format error, a confirmable request is answered 4.00 and anything else
 * is dropped and counted ({@link MalformedMessages}), as other malformed messages are.
 */
final class DeviceMessageParser extends UdpDataParser {

  DeviceMessageParser(boolean strictEmptyMessageFormat) {
    super(strictEmptyMessageFormat, (int[]) null);
  }

  @Override
  public void parseOptionsAndPayload(DatagramReader reader, Message message) {
    try {
      super.parseOptionsAndPayload(reader, message);
    } catch (IllegalStateException blockTooLarge) {
      throw new CoAPMessageFormatException(blockTooLarge.getMessage(), message.getToken(), message.getMID(), message.getRawCode(),
          message.isConfirmable(), ResponseCode.BAD_REQUEST);
    }
  }
}
