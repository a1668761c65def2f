package io.drover.coap.particle;

import java.security.SecureRandom;
import org.eclipse.californium.core.coap.Token;
import org.eclipse.californium.core.network.KeyToken;
import org.eclipse.californium.core.network.TokenGenerator;

/**
 * Tokens of one byte for the cloud's requests to Particle devices: Device OS's parser reads a token of
 * 0 or 1 byte only (communication/src/messages.cpp) and copies it into its answer. Californium's
 * generator makes tokens of {@code TOKEN_SIZE_LIMIT} bytes with two bits spent on their scope, and keys
 * all but client-local ones without the peer, which leaves 64 tokens for every device of the endpoint
 * together. Here each token is client-local, keyed by its peer: 256 per device, which holds at most
 * four requests in flight (the command dispatch's bound). Thread-safe.
 */
public final class ParticleTokens implements TokenGenerator {

  private final SecureRandom random = new SecureRandom();

  @Override
  public Token createToken(Scope scope) {
    byte[] token = new byte[1];
    random.nextBytes(token);
    return Token.fromProvider(token);
  }

  @Override
  public Scope getScope(Token token) {
    return Scope.SHORT_TERM_CLIENT_LOCAL;
  }

  @Override
  public KeyToken getKeyToken(Token token, Object peer) {
    if (peer == null) {
      throw new IllegalArgumentException("a client-local token needs its peer");
    }
    return new KeyToken(token, peer);
  }
}
