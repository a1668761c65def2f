package io.drover.hub.auth;

import java.time.Duration;

/**
 * How accounts are made and kept: who may sign up, and how long a refresh token lasts.
 *
 * @param openSignup whether anyone may create an account with {@code POST /v1/users}; when false only
 *     administrators make accounts
 * @param refreshTokenLifetime how long a refresh token can be spent after it was issued
 */
public record AccountSettings(boolean openSignup, Duration refreshTokenLifetime) {
}
