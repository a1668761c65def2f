package io.drover.hub.integrations;

/**
 * The integrations' configuration.
 *
 * @param allowPrivateTargets {@code integrations.allow-private-targets}: loopback, link-local and this
 *     machine's own addresses may be targets ({@link TargetPolicy})
 * @param maxPerOwner {@code integrations.max-per-owner}: integrations one account's sandbox or one
 *     product may hold
 */
public record IntegrationSettings(boolean allowPrivateTargets, int maxPerOwner) {
}
