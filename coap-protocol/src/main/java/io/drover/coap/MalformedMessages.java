package io.drover.coap;

import org.eclipse.californium.core.network.interceptors.MalformedMessageInterceptor;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.elements.RawData;

/** Tells the gateway of every datagram Californium could not parse as CoAP, so that it is counted. */
final class MalformedMessages extends MessageInterceptorAdapter implements MalformedMessageInterceptor {

  private final DtlsSessionEvents events;

  MalformedMessages(DtlsSessionEvents events) {
    this.events = events;
  }

  @Override
  public void receivedMalformedMessage(RawData message) {
    events.malformedMessage();
  }
}
