package io.drover.hub.sims;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The carriers {@code sims.carrier} may name: {@code local} and those of {@link CarrierProvider}s on the class path. */
public final class Carriers {

  private Carriers() {
  }

  /** The names, {@code local} first; for the configuration's check at start-up. */
  public static List<String> names() {
    List<String> names = new ArrayList<>(List.of(LocalCarrier.NAME));
    for (CarrierProvider provider : ServiceLoader.load(CarrierProvider.class)) {
      names.add(provider.name());
    }
    return names;
  }

  /** @throws IllegalArgumentException when no carrier has that name */
  public static Carrier named(String name) {
    if (LocalCarrier.NAME.equals(name)) {
      return new LocalCarrier();
    }
    for (CarrierProvider provider : ServiceLoader.load(CarrierProvider.class)) {
      if (provider.name().equals(name)) {
        return provider.create();
      }
    }
    throw new IllegalArgumentException("no SIM carrier named " + name + "; known: " + String.join(", ", names()));
  }
}
