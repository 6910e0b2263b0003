/** The part of sm-crypto 0.5 (a dev dependency, the independent implementation the 国密 tests check against) that the tests use. */
declare module 'sm-crypto' {
  type Bytes = string | number[];
  interface SignatureOptions {
    hash?: boolean;
    der?: boolean;
    /** The signer's distinguishing identifier in Z; default 1234567812345678. */
    userId?: string;
    publicKey?: string;
  }
  export const sm2: {
    getPublicKeyFromPrivateKey(privateKeyHex: string): string;
    doSignature(message: Bytes, privateKeyHex: string, options?: SignatureOptions): string;
    doVerifySignature(message: Bytes, signatureHex: string, publicKeyHex: string, options?: SignatureOptions): boolean;
  };
  export function sm3(input: Bytes, options?: { key: string; mode?: 'hmac' }): string;
  interface Sm4Options {
    mode?: 'cbc';
    iv?: string;
    padding?: 'pkcs#7' | 'none';
    output: 'array';
  }
  export const sm4: {
    encrypt(input: number[], keyHex: string, options: Sm4Options): number[];
    decrypt(input: number[], keyHex: string, options: Sm4Options): number[];
  };
}
