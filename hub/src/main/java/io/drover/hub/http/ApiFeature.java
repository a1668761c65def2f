package io.drover.hub.http;

import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/** A slice of the HTTP API that mounts its own routes, and releases what it holds when the API stops. */
public interface ApiFeature {

  Future<Void> mount(Router router);

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
