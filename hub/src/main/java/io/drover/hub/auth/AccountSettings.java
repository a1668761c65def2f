package io.drover.hub.auth;

import java.time.Duration;

/**
 * How accounts are made, signed in to and kept: who may sign up, how long a refresh token lasts, and
 * the limits on guessing passwords and on making accounts (docs/api.md, "Limits on sign-in").
 *
 * @param openSignup whether anyone may create an account with {@code POST /v1/users}; when false only
 *     administrators make accounts
 * @param refreshTokenLifetime how long a refresh token can be spent after it was issued
 * @param loginFailuresPerAccount wrong passwords for one account (person or customer) before each
 *     further attempt must wait
 * @param loginFailuresPerAddress wrong passwords from one client address, whatever the account, before
 *     each further attempt must wait
 * @param signupsPerAddress sign-ups and customer creations with a password from one client address
 *     before each further one must wait
 * @param maxBackoff the longest wait: the first is a second, and each further attempt doubles it
 * @param passwordHashThreads threads that hash and check passwords; 0 means half the cores, at least one
 * @param passwordHashQueue password checks that may wait for a thread; beyond them a request is refused
 * @param consoleSessionLifetime how long the Console stays signed in (its session cookie) after signing in
 */
public record AccountSettings(
    boolean openSignup,
    Duration refreshTokenLifetime,
    int loginFailuresPerAccount,
    int loginFailuresPerAddress,
    int signupsPerAddress,
    Duration maxBackoff,
    int passwordHashThreads,
    int passwordHashQueue,
    Duration consoleSessionLifetime) {
}
