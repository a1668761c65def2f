package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;

/**
 * An accepted event on its way to the live streams, with the account that may see it (the device's
 * owner when it was published, or the account that published it through the API; null: admins only)
 * and its row id, assigned on acceptance (see {@link EventIds}).
 */
public record LiveEvent(long id, DeviceEvent event, Long ownerId) {
}
