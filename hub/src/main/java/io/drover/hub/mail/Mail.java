package io.drover.hub.mail;

/**
 * One plain-text mail to one address. The address was checked as an email address when the account
 * was made (no spaces, so no line breaks: nothing can be smuggled into the headers).
 *
 * @param link the link the mail is about, for an outbox that shows only that (the log)
 */
public record Mail(String to, String subject, String text, String link) {
}
