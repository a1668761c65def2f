package io.drover.hub.sims;

/**
 * How a carrier plugs in: a class on the class path listed in
 * {@code META-INF/services/io.drover.hub.sims.CarrierProvider} (java.util.ServiceLoader), chosen when
 * its {@link #name()} is {@code sims.carrier}.
 */
public interface CarrierProvider {

  String name();

  /** Made once, at start-up. */
  Carrier create();
}
