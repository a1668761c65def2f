package io.drover.gateway.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.DeviceIds;
import org.junit.jupiter.api.Test;

class CoapShardsTest {

  @Test
  void aDeviceHasOneShardWhateverTheCaseOfItsIdentity() {
    String lower = "0123456789abcdef01234567";
    String upper = lower.toUpperCase();
    for (int shards = 1; shards <= 8; shards++) {
      int shard = CoapShards.shardOf(lower, shards);
      assertEquals(shard, CoapShards.shardOf(upper, shards), "a session's end and its requests reach the same shard");
      assertEquals(Math.floorMod(DeviceIds.normalize(upper).hashCode(), shards), shard, "the hash of the normalized ID");
    }
  }

  @Test
  void devicesSpreadOverEveryShardAndNoIdentityFallsOutside() {
    int[] seen = new int[3];
    for (int i = 0; i < 300; i++) {
      seen[CoapShards.shardOf(String.format("%024x", i * 7919L), 3)]++;
    }
    for (int count : seen) {
      assertTrue(count > 50, "each shard gets a share: " + java.util.Arrays.toString(seen));
    }
    assertEquals(0, CoapShards.shardOf(null, 3));
    int odd = CoapShards.shardOf("not a device", 3);
    assertTrue(odd >= 0 && odd < 3);
  }
}
