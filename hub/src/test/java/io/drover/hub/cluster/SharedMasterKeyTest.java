package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hub nodes of one database must share the master key; one with its own key refuses to start, and says what to do. */
class SharedMasterKeyTest {

  @Test
  void aHubWithAnotherMasterKeyRefusesToStart() throws Exception {
    String database = TestPostgres.newDatabase();
    Path sharedKey = Files.createTempDirectory("drover-key").resolve("master-key");
    try (TestNode first = TestNode.startMember(database, List.of("--secrets.master-key-file=" + sharedKey));
         TestNode sameKey = TestNode.startMember(database, List.of("--secrets.master-key-file=" + sharedKey))) {
      // its own data dir, so its own freshly made key
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TestNode.startMember(database, List.of()));
      assertTrue(refused.getMessage().contains("copy the master-key file"), refused.getMessage());
    }
  }
}
