package io.drover.hub.integrations;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.MustacheException;
import java.io.Reader;
import java.io.StringReader;

/**
 * Whether a text parses as a mustache template, with mustache.java (the library the delivery engine
 * renders with). Partials ({@code {{> name}}}, {@code {{< name}}}) are refused: Particle's templates
 * have none, and mustache.java would read a partial's name as a file or class-path resource when it
 * compiles, which a stored template must never make the node do. Thread-safe: a compile touches no
 * shared state but the factory's parser.
 */
final class Templates {

  private static final DefaultMustacheFactory FACTORY = new DefaultMustacheFactory() {
    @Override
    public Reader getReader(String resourceName) {
      throw new MustacheException("partials ({{> " + resourceName + "}}) are not supported");
    }
  };

  private Templates() {
  }

  /** @return null when {@code text} parses; otherwise the parser's reason, without its location noise */
  static String problem(String text) {
    if (text.indexOf("{{") < 0) {
      // no tag at all (a delimiter change starts with one too)
      return null;
    }
    try {
      FACTORY.compile(new StringReader(text), "template");
      return null;
    } catch (MustacheException e) {
      String message = e.getMessage() == null ? "it does not parse" : e.getMessage();
      int at = message.indexOf(" @[");
      return at > 0 ? message.substring(0, at) : message;
    } catch (RuntimeException e) {
      return "it does not parse (" + e.getClass().getSimpleName() + ")";
    }
  }
}
