package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Stored secrets: a reused digest must leave nothing of one check in the next. */
class DeviceSecretsTest {

  @Test
  void aSecretMatchesItsHashAndOnlyItsOwnBeforeAndAfterAFailedCheck() {
    String secret = DeviceSecrets.newSecret();
    byte[] stored = DeviceSecrets.hash(secret);

    assertTrue(DeviceSecrets.matches(secret, stored));
    assertFalse(DeviceSecrets.matches(DeviceSecrets.newSecret(), stored));
    assertFalse(DeviceSecrets.matches(secret.substring(1), stored));
    assertTrue(DeviceSecrets.matches(secret, stored), "a failed check leaves the next one unaffected");
    assertFalse(DeviceSecrets.matches(null, stored));
    assertFalse(DeviceSecrets.matches(secret, new byte[4]));
  }

  @Test
  void checksOnManyThreadsAtOnceGetTheSameAnswers() throws Exception {
    List<String> secrets = new ArrayList<>();
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      secrets.add(DeviceSecrets.newSecret());
      hashes.add(DeviceSecrets.hash(secrets.get(i)));
    }
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> checks = new ArrayList<>();
      for (int round = 0; round < 50; round++) {
        for (int i = 0; i < secrets.size(); i++) {
          int own = i;
          int other = (i + 1) % secrets.size();
          checks.add(threads.submit(() -> DeviceSecrets.matches(secrets.get(own), hashes.get(own))
              && !DeviceSecrets.matches(secrets.get(other), hashes.get(own))));
        }
      }
      for (Future<Boolean> check : checks) {
        assertTrue(check.get());
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
