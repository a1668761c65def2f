package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;

/**
 * An accepted event on its way to the live streams, with the account that may see it (the device's
 * owner when it was published, or the account that published it through the API; null: admins only),
 * the product the device was in when it published it (null: none; the product's team sees it) and its
 * row id, assigned on acceptance (see {@link EventIds}). Both are stamped once, as the hub accepts the
 * event, and stored with it: who may read an event never changes when the device changes hands.
 */
public record LiveEvent(long id, DeviceEvent event, Long ownerId, Integer productId) {
}
