import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Kind, parse } from 'graphql';
import { manifestOf } from '../gateway/trusted-documents';

/**
 * `npm run -s trusted-documents -- ops/*.graphql > manifest.json`: the trusted-documents manifest
 * of the given files (one operation per file, registered exactly as written), for the gateway's
 * TRUSTED_DOCUMENTS_FILE. Clients send the same text, or its sha256 as a persisted query.
 */
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run -s trusted-documents -- <file.graphql>... > manifest.json');
  process.exit(2);
}
const operations = files.map((file) => {
  const body = readFileSync(file, 'utf8');
  const operation = parse(body).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) throw new Error(`${file} holds no operation`);
  return { name: operation.name?.value ?? basename(file, '.graphql'), type: operation.operation, body };
});
console.log(JSON.stringify(manifestOf(operations), null, 2));
