package io.drover.hub.http;

/** Where the API and Console listen. */
public record HttpSettings(String host, int port) {
}
