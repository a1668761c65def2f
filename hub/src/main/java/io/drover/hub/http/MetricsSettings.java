package io.drover.hub.http;

import java.nio.file.Path;

/**
 * Who may read {@code /metrics} and the detail of {@code /health}.
 *
 * @param tokenRequired {@code metrics.auth=token} (the default): only a bearer of the metrics token;
 *     false ({@code none}): anyone who reaches the HTTP port
 * @param tokenFile the file holding the token
 * @param givenByOperator {@code metrics.token-file} was set: the file must exist and is never made
 * @param productLabels {@code metrics.product-labels}: products with series of their own
 *     ({@code drover_product_*{product}}), the rest summed as {@code other}; 0 for no product series
 */
public record MetricsSettings(boolean tokenRequired, Path tokenFile, boolean givenByOperator, int productLabels) {
}
