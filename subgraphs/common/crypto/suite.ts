/**
 * The cryptography suite of a deployment (CRYPTO_SUITE), one for all its keys:
 * - `international`: Ed25519 (or ES256) token signatures, AES-256-GCM, HMAC-SHA256;
 * - `gm` (国密): SM2 signatures with SM3, SM4-CBC + HMAC-SM3 (encrypt-then-MAC), HMAC-SM3.
 * A deployment accepts only its own suite's signatures and keys: no algorithm is negotiated.
 */
export const CRYPTO_SUITES = ['international', 'gm'] as const;
export type CryptoSuite = (typeof CRYPTO_SUITES)[number];

export function isCryptoSuite(value: string): value is CryptoSuite {
  return (CRYPTO_SUITES as readonly string[]).includes(value);
}

/** The suite CRYPTO_SUITE names (default `international`); anything else stops the service at start. */
export function cryptoSuiteFromEnv(env: Record<string, string | undefined> = process.env): CryptoSuite {
  const value = env.CRYPTO_SUITE || 'international';
  if (!isCryptoSuite(value)) throw new Error(`CRYPTO_SUITE is ${JSON.stringify(value)}: it is one of ${CRYPTO_SUITES.join(', ')}`);
  return value;
}
