package io.drover.gateway.mqtt;

import io.drover.gateway.pipeline.WireBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * The first stage of an MQTT connection's pipeline, next to the socket: counts every byte read and
 * written, TLS records (handshake included) and MQTT fixed headers alike, into the connection's
 * {@link WireBytes}. Runs on the connection's event loop; an add per read or write, nothing kept.
 */
final class WireCounter extends ChannelDuplexHandler {

  static final String NAME = "wireCounter";

  private final WireBytes bytes;

  WireCounter(WireBytes bytes) {
    this.bytes = bytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
    bytes.received(size(message));
    super.channelRead(ctx, message);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) throws Exception {
    bytes.sent(size(message));
    super.write(ctx, message, promise);
  }

  private static long size(Object message) {
    if (message instanceof ByteBuf buffer) {
      return buffer.readableBytes();
    }
    if (message instanceof ByteBufHolder holder) {
      return holder.content().readableBytes();
    }
    return 0;
  }
}
