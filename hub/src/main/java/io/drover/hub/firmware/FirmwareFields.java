package io.drover.hub.firmware;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.http.ApiException;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/** The firmware routes' fields and path parameters, read strictly: a bad one is a 400 naming it. */
final class FirmwareFields {

  private FirmwareFields() {
  }

  static String deviceParam(RoutingContext ctx) {
    String id = DeviceIds.normalize(ctx.pathParam("device"));
    if (id == null) {
      throw new ApiException(400, "invalid_request", "The device ID must be 24 hexadecimal digits");
    }
    return id;
  }
  static int versionParam(RoutingContext ctx) {
    return positiveInt(ctx.pathParam("version"), "version");
  }
  static ApiException notFound(ProductScope product, int version) {
    return new ApiException(404, "not_found", "Product " + product.productId() + " has no firmware version " + version);
  }
  static int positiveInt(Object value, String field) {
    if (value == null) {
      throw new ApiException(400, "invalid_request", field + " is required");
    }
    if (value instanceof Number number && number.doubleValue() == number.intValue() && number.intValue() > 0) {
      return number.intValue();
    }
    if (value instanceof String text && !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(Character::isDigit)) {
      long parsed = Long.parseLong(text);
      if (parsed > 0 && parsed <= Integer.MAX_VALUE) {
        return (int) parsed;
      }
    }
    throw new ApiException(400, "invalid_request", field + " must be a positive integer");
  }
  static String requiredText(Object value, String field, int maxLength) {
    if (!(value instanceof String text) || text.isBlank()) {
      throw new ApiException(400, "invalid_request", field + " is required");
    }
    if (text.length() > maxLength) {
      throw new ApiException(400, "invalid_request", field + " must be at most " + maxLength + " characters");
    }
    return text.strip();
  }
  static boolean bool(Object value, String field) {
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean flag) {
      return flag;
    }
    return switch (value.toString()) {
      case "true", "1" -> true;
      case "false", "0", "" -> false;
      default -> throw new ApiException(400, "invalid_request", field + " must be true or false");
    };
  }
  static List<String> groups(Object value) {
    List<String> groups = new ArrayList<>();
    if (value == null) {
      return groups;
    }
    if (value instanceof JsonArray array) {
      for (Object group : array) {
        if (!(group instanceof String name) || name.isEmpty()) {
          throw new ApiException(400, "invalid_request", "groups must be a list of group names");
        }
        groups.add(name);
      }
    } else if (value instanceof String list) {
      for (String name : list.split(",")) {
        if (!name.isBlank()) {
          groups.add(name.strip());
        }
      }
    } else {
      throw new ApiException(400, "invalid_request", "groups must be a list of group names");
    }
    return groups;
  }
  static int percent(Object value, String field, int min, int absent) {
    if (value == null && absent > 0) {
      return absent;
    }
    int given = value instanceof Number || value instanceof String ? positiveOrZero(value, field) : -1;
    if (given < min || given > 100) {
      throw new ApiException(400, "invalid_request", field + " must be an integer from " + min + " to 100");
    }
    return given;
  }
  static int positiveOrZero(Object value, String field) {
    return "0".equals(String.valueOf(value)) ? 0 : positiveInt(value, field);
  }}
