package io.drover.hub.support;

import io.drover.hub.http.ConsoleCookie;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriver;

/**
 * Signs a browser in to the Console as the log-in page leaves it: an access token in the session
 * cookie (HttpOnly, SameSite=Strict). The driver may set an HttpOnly cookie, which no page script can.
 * The browser must be on a page of the node's origin; the next page it opens is signed in.
 */
public final class ConsoleSignIn {

  private ConsoleSignIn() {
  }

  public static void as(WebDriver browser, String token) {
    browser.manage().addCookie(new Cookie.Builder(ConsoleCookie.NAME, token).path("/").isHttpOnly(true).sameSite("Strict").build());
  }

  /** Forgets the session cookie of the origin the browser is on (the server's session is left as it is). */
  public static void signOut(WebDriver browser) {
    browser.manage().deleteCookieNamed(ConsoleCookie.NAME);
  }

  /** The session cookie the browser holds for the origin it is on, or null. */
  public static Cookie cookie(WebDriver browser) {
    return browser.manage().getCookieNamed(ConsoleCookie.NAME);
  }
}
