package io.drover.hub.events.filter;

/** A filter the language does not allow; the message says what to change, for the user to read. */
public final class FilterSyntaxException extends Exception {

  public FilterSyntaxException(String message) {
    super(message, null, false, false);
  }
}
