// jose is an ES module and this project CommonJS, so its types come with resolution-mode, which
// Biome cannot parse yet: this one module is left out of Biome, the others take jose's types from it.
export type { JWK, JWTPayload, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
