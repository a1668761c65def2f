package io.drover.hub.integrations.delivery;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import com.github.mustachejava.reflect.SimpleObjectHandler;
import com.github.mustachejava.util.Wrapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * Mustache as Particle's webhooks speak it (docs {@code webhooks.md}, "Variable substitution"), on
 * mustache.java: {@code {{x}}} HTML-escapes {@code & < > " '} (mustache.java's own escaper also
 * escapes {@code =} and the backtick, which Particle's does not), {@code {{{x}}}} is raw, and the
 * values are plain JSON (maps, lists, strings, numbers, booleans) looked up by dot paths in which a
 * number indexes a list ({@code c.0.d}), which mustache.java's reflection does not do. The one
 * mustache of the node: the integrations API checks a template with {@link #problem} when it is saved,
 * the delivery engine compiles and renders it with the same factory. Thread-safe: compiled templates
 * are shared by every delivery of an integration.
 */
public final class Templates {

  private static final Object MISSING = new Object();
  private static final Factory FACTORY = new Factory();

  private Templates() {
  }

  /**
   * Whether a text parses as a template, for the API's checks when an integration is saved.
   *
   * @return null when {@code text} parses; otherwise the parser's reason, without its location noise
   */
  public static String problem(String text) {
    if (text.indexOf("{{") < 0) {
      // no tag at all (a delimiter change starts with one too)
      return null;
    }
    try {
      compile(text, "template");
      return null;
    } catch (MustacheException e) {
      String message = e.getMessage() == null ? "it does not parse" : e.getMessage();
      int at = message.indexOf(" @[");
      return at > 0 ? message.substring(0, at) : message;
    } catch (RuntimeException e) {
      return "it does not parse (" + e.getClass().getSimpleName() + ")";
    }
  }

  /** @throws MustacheException when the template does not parse */
  static Mustache compile(String template, String name) {
    return FACTORY.compile(new StringReader(template), name);
  }

  static String render(Mustache template, Map<String, Object> variables) {
    StringWriter out = new StringWriter();
    try {
      template.execute(out, variables).flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static final class Factory extends DefaultMustacheFactory {

    Factory() {
      setObjectHandler(new JsonObjectHandler());
    }

    /**
     * No partials: mustache.java's default resolver would read {@code {{> name}}} from the class path
     * or the file system, and a user's template must not read the node's files.
     */
    @Override
    public java.io.Reader getReader(String resourceName) {
      throw new MustacheException("partials ({{> " + resourceName + "}}) are not supported");
    }

    @Override
    public void encode(String value, Writer writer) {
      try {
        for (int i = 0; i < value.length(); i++) {
          char c = value.charAt(i);
          switch (c) {
            case '&' -> writer.write("&amp;");
            case '<' -> writer.write("&lt;");
            case '>' -> writer.write("&gt;");
            case '"' -> writer.write("&quot;");
            case '\'' -> writer.write("&#39;");
            default -> writer.write(c);
          }
        }
      } catch (IOException e) {
        throw new MustacheException("failed to encode value", e);
      }
    }
  }

  /** Looks a dotted name up in the scopes, innermost first: maps by key, lists by index. */
  private static final class JsonObjectHandler extends SimpleObjectHandler {

    @Override
    public Wrapper find(String name, List<Object> ignored) {
      return scopes -> {
        if (".".equals(name)) {
          return scopes.isEmpty() ? null : scopes.get(scopes.size() - 1);
        }
        int dot = name.indexOf('.');
        String first = dot < 0 ? name : name.substring(0, dot);
        for (int i = scopes.size() - 1; i >= 0; i--) {
          Object found = child(scopes.get(i), first);
          if (found != MISSING) {
            return dot < 0 ? found : path(found, name, dot + 1);
          }
        }
        return null;
      };
    }

    private static Object path(Object value, String name, int from) {
      Object current = value;
      int start = from;
      while (current != null && start <= name.length()) {
        int dot = name.indexOf('.', start);
        String key = dot < 0 ? name.substring(start) : name.substring(start, dot);
        Object next = child(current, key);
        current = next == MISSING ? null : next;
        if (dot < 0) {
          break;
        }
        start = dot + 1;
      }
      return current;
    }

    private static Object child(Object scope, String key) {
      if (scope instanceof Map<?, ?> map) {
        return map.containsKey(key) ? map.get(key) : MISSING;
      }
      if (scope instanceof List<?> list && !key.isEmpty() && key.length() < 10 && key.chars().allMatch(Character::isDigit)) {
        int index = Integer.parseInt(key);
        return index < list.size() ? list.get(index) : MISSING;
      }
      return MISSING;
    }
  }
}
