package io.drover.hub.hostile;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client over a raw socket, so that a request may break the rules a real client keeps:
 * sends the bytes as they are and reads one response (RFC 9112 sections 4 to 7), skipping interim 1xx
 * ones. The body is read by Content-Length, by chunks, or to the close; an event stream's is not read.
 */
final class RawHttp {

  private static final int MAX_HEAD = 64 * 1024;

  private RawHttp() {
  }

  /** A response: its status (0 when the server closed without one), lower-case headers, body. */
  record Answer(int status, Map<String, String> headers, byte[] body) {

    static final Answer CLOSED = new Answer(0, Map.of(), new byte[0]);

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    boolean isStream() {
      return headers.getOrDefault("content-type", "").startsWith("text/event-stream");
    }
  }

  /** Thrown when the server neither answered nor closed by the deadline. */
  static final class NoAnswer extends IOException {

    NoAnswer(String message) {
      super(message);
    }
  }

  static Answer exchange(int port, byte[] request, boolean head, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      try {
        socket.getOutputStream().write(request);
      } catch (SocketException closedMeanwhile) {
        // the server answered early (a body too large) and closed: its answer is still to be read
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      try {
        while (true) {
          Answer answer = read(in, socket, deadline, head);
          if (answer.status() >= 200 || answer.status() == 0 || answer.status() == 101) {
            return answer;
          }
        }
      } catch (EOFException | SocketException closed) {
        return Answer.CLOSED;
      }
    }
  }

  private static Answer read(InputStream in, Socket socket, long deadline, boolean head) throws IOException {
    String statusLine = line(in, socket, deadline);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("no status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    int size = statusLine.length();
    for (String line = line(in, socket, deadline); !line.isEmpty(); line = line(in, socket, deadline)) {
      size += line.length();
      if (size > MAX_HEAD) {
        throw new IOException("a response head over " + MAX_HEAD + " bytes");
      }
      int colon = line.indexOf(':');
      headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
    }
    if (status < 200 || status == 204 || status == 304 || head || headers.getOrDefault("content-type", "").startsWith("text/event-stream")) {
      return new Answer(status, headers, new byte[0]);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.getOrDefault("transfer-encoding", "").contains("chunked")) {
      for (int chunk = Integer.parseInt(line(in, socket, deadline).split(";")[0].trim(), 16); chunk > 0;
          chunk = Integer.parseInt(line(in, socket, deadline).split(";")[0].trim(), 16)) {
        body.write(bytes(in, socket, deadline, chunk));
        line(in, socket, deadline);
      }
      while (!line(in, socket, deadline).isEmpty()) {
        // trailer fields
      }
    } else if (headers.containsKey("content-length")) {
      body.write(bytes(in, socket, deadline, Integer.parseInt(headers.get("content-length"))));
    } else {
      try {
        for (int b = next(in, socket, deadline); ; b = next(in, socket, deadline)) {
          body.write(b);
        }
      } catch (EOFException end) {
        // read to the close
      }
    }
    return new Answer(status, headers, body.toByteArray());
  }

  private static String line(InputStream in, Socket socket, long deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = next(in, socket, deadline); b != '\n'; b = next(in, socket, deadline)) {
      if (line.size() > MAX_HEAD) {
        throw new IOException("a line over " + MAX_HEAD + " bytes");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(InputStream in, Socket socket, long deadline, int count) throws IOException {
    byte[] bytes = new byte[count];
    for (int i = 0; i < count; i++) {
      bytes[i] = (byte) next(in, socket, deadline);
    }
    return bytes;
  }

  private static int next(InputStream in, Socket socket, long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new NoAnswer("no answer by the deadline");
    }
    socket.setSoTimeout((int) left);
    int b;
    try {
      b = in.read();
    } catch (SocketTimeoutException late) {
      throw new NoAnswer("no answer by the deadline");
    }
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }
}
