import { jwtVerify, SignJWT } from 'jose';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWK, JWTPayload } from './jose-types';
import type { TrustedKeySet } from './key-set';
import { ALGORITHMS_OF, SIGNING_ALGORITHM, signingKeyOf } from './keys';
import { isSm2Jwk, type JwtCheck, signSm2Jwt, type VerifiedJwt, verifySm2Jwt } from './sm2-jws';

/**
 * Signing and checking JWTs in either suite: jose for Ed25519/ES256 (`international`), sm2-jws.ts
 * for SM2 (`gm`). The verifier's key set decides the suite, so a token is checked only with the
 * algorithms of the deployment's own suite, whatever its header says.
 */
export async function signJwt(privateJwk: JWK, payload: JWTPayload): Promise<string> {
  if (isSm2Jwk(privateJwk)) return signSm2Jwt(payload, privateJwk);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: privateJwk.alg ?? SIGNING_ALGORITHM, kid: privateJwk.kid, typ: 'JWT' })
    .sign(await signingKeyOf(privateJwk));
}

/** The verified payload and header of a token, or an error whose `code` is jose's (ERR_JWT_EXPIRED, ...). */
export async function verifyJwt(token: string, keys: TrustedKeySet, check: JwtCheck): Promise<VerifiedJwt> {
  if (keys.suite === 'gm') return verifySm2Jwt(token, (kid) => keys.sm2Key(kid), check);
  const { payload, protectedHeader } = await jwtVerify(token, keys.resolve, {
    algorithms: [...ALGORITHMS_OF.international],
    audience: check.audience,
    ...(check.issuer !== undefined ? { issuer: check.issuer } : {}),
    requiredClaims: [...check.requiredClaims],
  });
  return {
    payload,
    protectedHeader: {
      alg: protectedHeader.alg as string,
      kid: protectedHeader.kid as string,
      typ: protectedHeader.typ,
    },
  };
}
