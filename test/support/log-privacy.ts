import { DEMO_PEOPLE, demoPhone } from '../../cluster/demo-data';
import { isValidIdNumber } from '../../subgraphs/common/domain/id-number';

/**
 * What no log line may hold: the demo people's names, ID numbers and phone numbers, nor anybody's
 * ID number, mobile number or token (every token of the platform is a JWT).
 */
const DEMO_SECRETS = DEMO_PEOPLE.flatMap((p) => [p.name, p.idNumber, demoPhone(p)]);

const ID_NUMBER = /\b\d{17}[\dXx]\b/g;
const MOBILE = /(?<![\w.])1[3-9]\d{9}(?![\w.])/;
const TOKEN = /eyJ[\w-]{8,}|\bbearer\s+\w{16,}/i;

/** The personal data and credentials found in a line, as what each one is (never the value itself). */
export function personalDataIn(line: string): string[] {
  const found = DEMO_SECRETS.filter((secret) => line.includes(secret)).map(
    (secret) => `demo data ${secret.slice(0, 1)}…`,
  );
  if ([...line.matchAll(ID_NUMBER)].some((m) => isValidIdNumber(m[0].toUpperCase()))) found.push('an ID number');
  if (MOBILE.test(line)) found.push('a mobile number');
  if (TOKEN.test(line)) found.push('a token');
  return found;
}
