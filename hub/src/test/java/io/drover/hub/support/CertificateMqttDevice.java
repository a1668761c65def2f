package io.drover.hub.support;

import io.drover.hub.tls.PemCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A device holding an MQTT 5 connection over TLS authenticated with its X.509 certificate alone (Paho),
 * for what {@code mosquitto_pub} cannot show: what the node says when it ends the connection.
 */
public final class CertificateMqttDevice implements AutoCloseable {

  private final MqttAsyncClient client;
  private final CompletableFuture<Integer> disconnected = new CompletableFuture<>();

  private CertificateMqttDevice(MqttAsyncClient client) {
    this.client = client;
  }

  /**
   * Connects to {@code port} on loopback as {@code deviceId}, trusting {@code serverCa} (PEM file).
   *
   * @param key the device's PKCS#8 PEM key file, as {@code openssl req -newkey ec -nodes} writes it
   */
  public static CertificateMqttDevice connect(int port, Path serverCa, String deviceId, X509Certificate certificate, Path key) throws Exception {
    MqttAsyncClient client = new MqttAsyncClient("ssl://127.0.0.1:" + port, deviceId, new MemoryPersistence());
    CertificateMqttDevice device = new CertificateMqttDevice(client);
    client.setCallback(new MqttCallback() {
      @Override
      public void disconnected(MqttDisconnectResponse response) {
        // a DISCONNECT from the server carries its reason code; a dropped connection carries an exception
        device.disconnected.complete(response.getException() == null ? response.getReturnCode() : -1);
      }

      @Override
      public void mqttErrorOccurred(MqttException exception) {
      }

      @Override
      public void messageArrived(String topic, MqttMessage message) {
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
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setSocketFactory(tls(serverCa, certificate, privateKey(key)).getSocketFactory());
    options.setAutomaticReconnect(false);
    options.setConnectionTimeout(10);
    try {
      client.connect(options).waitForCompletion(10_000);
    } catch (MqttException refused) {
      client.close(true);
      throw refused;
    }
    return device;
  }

  /** Publishes at QoS 1 and waits for the PUBACK. */
  public void publish(String topic, String payload) throws MqttException {
    client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(10_000);
  }

  /** Completes with the reason code of the server's DISCONNECT, or -1 when the connection dropped without one. */
  public CompletableFuture<Integer> disconnected() {
    return disconnected;
  }

  @Override
  public void close() throws MqttException {
    client.close(true);
  }

  private static SSLContext tls(Path serverCa, X509Certificate certificate, PrivateKey key) throws Exception {
    char[] password = "device".toCharArray();
    KeyStore own = KeyStore.getInstance("PKCS12");
    own.load(null, null);
    own.setKeyEntry("device", key, password, new Certificate[] {certificate});
    KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
    keys.init(own, password);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server-ca", PemCertificates.one(Files.readString(serverCa), "server CA"));
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  /** A PKCS#8 PEM private key of an EC key pair. */
  public static PrivateKey privateKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
