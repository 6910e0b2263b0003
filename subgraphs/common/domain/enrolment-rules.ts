import { InsuranceType } from './enums';
import { Refusal, RefusalCode } from './errors';
import { isValidIdNumber, normalizeIdNumber } from './id-number';
import { findPoolingRegion, provinceOfRegion } from './reference-data';

export interface EnrolmentRequest {
  idNumber: string;
  name: string;
  insuranceType: InsuranceType;
  poolingRegion: string;
}

const NAME_PATTERN = /^[\p{L}\p{M}·. '-]{1,50}$/u;

/**
 * Checks an enrolment before anything is written: a valid GB 11643 ID number, a plain name, a
 * known scheme, and a pooling region that exists (and, for a province, is one of its own).
 * Returns the request with the ID number in its one canonical spelling.
 */
export function checkEnrolment(request: EnrolmentRequest, ownProvince?: string): EnrolmentRequest {
  const idNumber = normalizeIdNumber(request.idNumber);
  if (!isValidIdNumber(idNumber)) {
    throw new Refusal(
      RefusalCode.INVALID_ID_NUMBER,
      'The ID number is not a valid resident ID number: 18 characters whose last is the GB 11643 check character.',
    );
  }
  const name = request.name.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new Refusal(
      RefusalCode.INVALID_NAME,
      'The name must be 1 to 50 letters (Chinese or Latin), without digits or symbols.',
    );
  }
  if (!Object.values(InsuranceType).includes(request.insuranceType)) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The insurance type must be EMPLOYEE or RESIDENT.');
  }
  if (!findPoolingRegion(request.poolingRegion)) {
    throw new Refusal(
      RefusalCode.UNKNOWN_POOLING_REGION,
      `There is no pooling region ${String(request.poolingRegion).slice(0, 12)}.`,
    );
  }
  if (ownProvince && provinceOfRegion(request.poolingRegion) !== ownProvince) {
    throw new Refusal(
      RefusalCode.REGION_OF_OTHER_PROVINCE,
      `Pooling region ${request.poolingRegion} belongs to province ${provinceOfRegion(request.poolingRegion)}, not ${ownProvince}.`,
    );
  }
  return { ...request, idNumber, name };
}
