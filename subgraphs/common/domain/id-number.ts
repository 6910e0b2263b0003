/**
 * The resident ID number of GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character.
 * The first six digits are the birthplace, not the insured pooling region.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432';

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/** Upper-cases a trailing x, so that one person has one spelling. */
export function normalizeIdNumber(text: string): string {
  return text.trim().toUpperCase();
}

export function isValidIdNumber(text: string): boolean {
  if (!/^\d{17}[\dX]$/.test(text)) return false;
  const month = Number(text.slice(10, 12));
  const day = Number(text.slice(12, 14));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  return checkCharacter(text.slice(0, 17)) === text[17];
}

/** Shows only the first three and last four characters: 320**********1234. */
export function maskIdNumber(idNumber: string): string {
  return `${idNumber.slice(0, 3)}${'*'.repeat(idNumber.length - 7)}${idNumber.slice(-4)}`;
}

/** Completes 17 digits into a valid ID number; used by the demo data and tests. */
export function withCheckCharacter(first17: string): string {
  return first17 + checkCharacter(first17);
}
