package io.drover.gateway.support;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * MQTT 5 over Paho, for what Vert.x's client cannot show: PUBACK reason codes and the server's
 * DISCONNECT reason. Paho calls back on threads of its own; messages arrive on one of them, in order.
 */
final class PahoMqttWire implements MqttWire {

  private final MqttAsyncClient client;
  private final CompletableFuture<Integer> ended = new CompletableFuture<>();

  private PahoMqttWire(MqttAsyncClient client, MessageHandler handler) {
    this.client = client;
    client.setCallback(new MqttCallback() {
      @Override
      public void disconnected(MqttDisconnectResponse response) {
        // a DISCONNECT from the server carries its reason code; a dropped connection carries an exception
        ended.complete(response.getException() == null ? response.getReturnCode() : -1);
      }

      @Override
      public void mqttErrorOccurred(MqttException exception) {
      }

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        handler.onMessage(topic, message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttToken token) {
      }

      @Override
      public void connectComplete(boolean reconnect, String serverUri) {
      }

      @Override
      public void authPacketArrived(int reasonCode, MqttProperties properties) {
      }
    });
  }

  /** @throws ConnectRefused with the CONNACK reason code */
  static PahoMqttWire connect(MqttLogin login, MessageHandler handler) throws Exception {
    String uri = (login.tls() ? "ssl" : "tcp") + "://127.0.0.1:" + login.port();
    MqttAsyncClient client = new MqttAsyncClient(uri, login.clientId(), new MemoryPersistence());
    PahoMqttWire wire = new PahoMqttWire(client, handler);
    MqttConnectionOptions options = new MqttConnectionOptions();
    if (login.userName() != null) {
      options.setUserName(login.userName());
    }
    if (login.password() != null) {
      options.setPassword(login.password().getBytes(StandardCharsets.US_ASCII));
    }
    if (login.tls()) {
      options.setSocketFactory(tls(login).getSocketFactory());
    }
    options.setCleanStart(true);
    options.setAutomaticReconnect(false);
    options.setConnectionTimeout(10);
    try {
      client.connect(options).waitForCompletion(10_000);
    } catch (MqttException refused) {
      client.close(true);
      if (refused.getReasonCode() > 0 && refused.getReasonCode() <= 0xFF) {
        throw new ConnectRefused(refused.getReasonCode());
      }
      throw refused;
    }
    return wire;
  }

  /** Trusts the server CA; presents the device's certificate when it has one (the JDK's SunX509 sends it even when expired). */
  private static SSLContext tls(MqttLogin login) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(login.serverCa())) {
      trusted.setCertificateEntry("server-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    KeyManagerFactory keys = null;
    if (login.certificate() != null) {
      char[] password = "device".toCharArray();
      KeyStore own = KeyStore.getInstance("PKCS12");
      own.load(null, null);
      own.setKeyEntry("device", login.certificate().key(), password, new Certificate[] {login.certificate().certificate()});
      keys = KeyManagerFactory.getInstance("SunX509");
      keys.init(own, password);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  @Override
  public CompletableFuture<Integer> publish(String topic, byte[] payload, int qos) {
    CompletableFuture<Integer> answer = new CompletableFuture<>();
    try {
      client.publish(topic, payload, qos, false, null, new MqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          int[] codes = token.getReasonCodes();
          answer.complete(qos == 0 ? -1 : codes == null || codes.length == 0 ? 0 : codes[0]);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable error) {
          // Paho fails a PUBACK with a reason code of 0x80 or more; anything else is a lost connection
          int code = error instanceof MqttException mqtt ? mqtt.getReasonCode() : -1;
          if (code >= 0x80 && code <= 0xFF) {
            answer.complete(code);
          } else {
            answer.completeExceptionally(new ConnectionLost());
          }
        }
      });
    } catch (MqttException e) {
      answer.completeExceptionally(client.isConnected() ? e : new ConnectionLost());
    }
    ended.whenComplete((code, error) -> answer.completeExceptionally(new ConnectionLost()));
    return answer;
  }

  @Override
  public CompletableFuture<Void> subscribe(String filter) {
    CompletableFuture<Void> answer = new CompletableFuture<>();
    try {
      client.subscribe(filter, 1, null, new MqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          answer.complete(null);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable error) {
          answer.completeExceptionally(error);
        }
      });
    } catch (MqttException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }

  @Override
  public CompletableFuture<Integer> ended() {
    return ended;
  }

  @Override
  public void disconnect() throws Exception {
    if (client.isConnected()) {
      client.disconnect().waitForCompletion(5_000);
    }
  }

  @Override
  public void close() {
    try {
      disconnect();
    } catch (Exception ignored) {
      // the connection is gone either way
    }
    try {
      client.close(true);
    } catch (MqttException ignored) {
      // nothing left to free
    }
  }
}
