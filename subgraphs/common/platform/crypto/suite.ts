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

/** The suite a script's CRYPTO_SUITE (or option) names (default `international`); anything else is refused. The services read it typed (config/shared.ts). */
export function cryptoSuiteNamed(value: string | undefined): CryptoSuite {
  const name = value || 'international';
  if (!isCryptoSuite(name))
    throw new Error(`CRYPTO_SUITE is ${JSON.stringify(name)}: it is one of ${CRYPTO_SUITES.join(', ')}`);
  return name;
}
