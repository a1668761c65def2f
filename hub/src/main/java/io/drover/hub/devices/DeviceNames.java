package io.drover.hub.devices;

import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;

/** Device names: the rule a user's choice must follow, and the friendly default a claim gives. */
public final class DeviceNames {

  /** Letters, digits, '_' and '-': safe in URLs, CLIs and topics alike. */
  static final Pattern VALID = Pattern.compile("^[A-Za-z0-9_\\-]{1,63}$");
  static final String RULE = "A device name is 1 to 63 letters, digits, '_' or '-'";

  private static final List<String> ADJECTIVES = List.of(
      "amber", "brave", "calm", "dusty", "eager", "fuzzy", "gentle", "hazel", "icy", "jolly", "keen", "lucky",
      "mellow", "nimble", "olive", "proud", "quiet", "rusty", "sunny", "tidy", "upbeat", "vivid", "witty", "zesty");
  private static final List<String> ANIMALS = List.of(
      "badger", "camel", "dingo", "eagle", "ferret", "gecko", "heron", "ibis", "jackal", "koala", "lemur", "marmot",
      "narwhal", "otter", "panda", "quail", "raven", "salmon", "tapir", "urchin", "vole", "walrus", "yak", "zebra");
  private static final SecureRandom RANDOM = new SecureRandom();

  private DeviceNames() {
  }

  /** Like Particle's "hamster_turkey": two words and, on later tries, a number against collisions. */
  public static String friendly(int attempt) {
    String name = ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "_" + ANIMALS.get(RANDOM.nextInt(ANIMALS.size()));
    return attempt == 0 ? name : name + "_" + (RANDOM.nextInt(9000) + 1000);
  }
}
