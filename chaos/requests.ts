import type { Who } from '../cluster/parties';

/**
 * The requests of the fault-injection run, and what a client makes of each answer. Mutations ask
 * only for fields that never change after the answer, so two answers to one key compare as text.
 */
export const DOCUMENTS = {
  enrol: `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`,
  activate: `mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`,
  establish: `mutation($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id status } }`,
  confirm: `mutation($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { id status } }`,
  relationshipsOf: `query($id: ID!) { member(id: $id) { relationshipsAsDonor(page: { first: 100 }) {
    edges { node { id status beneficiary { id } } } } } }`,
  dissolve: `mutation($input: DissolveMutualAidInput!) { dissolveMutualAid(input: $input) { id status } }`,
  endInsurance: `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) { endedMember { id } } }`,
  move: `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) {
    newMember { id } accountMove { state currentYear accumulated } } }`,
  credit: `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount fundSource } }`,
  spendOwn: `mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) { amount fromCurrentYear fromAccumulated } }`,
  transfer: `mutation($input: TransferQuotaInput!) { transferQuota(input: $input) { id amount fundSource state } }`,
  accept: `mutation($id: ID!) { acceptTransfer(transferId: $id) { id acceptedAt } }`,
  settle: `mutation($input: SettleExpenseInput!) { settleExpense(input: $input) { id amount ownAccountPaid quotaPaid cashPaid state } }`,
  premium: `mutation($input: PayPremiumInput!) { payPremium(input: $input) { id amount quotaPaid state } }`,
  refund: `mutation($input: RefundSettlementInput!) { refundSettlement(input: $input) { id amount cashPart quotaPart ownAccountPart } }`,
  setPolicy: `mutation($input: TransferPolicyInput!) { setTransferPolicy(input: $input) { code } }`,
  quota: `query($id: ID!) { relationship(id: $id) { quota { granted spent released refundedToDonor available } } }`,
  reconcile: `query($p: ID!) { reconciliation(province: $p) { balanced differences } }`,
  clearing: `query($from: DateTimeISO!, $to: DateTimeISO!) { clearingReport(from: $from, to: $to) {
    lines { debtor { code } creditor { code } amount } } }`,
} as const;

/** One request as a client sends it: who, what, and with which variables. */
export interface Request {
  who: Who;
  document: string;
  variables: Record<string, unknown>;
}

/**
 * What a client can act on (R21, R30): an answer or a refusal is final for its key; anything else
 * (no answer, OUTCOME_PENDING, a service that did not receive the request) means "send it again
 * under the same key". An internal error is also unknown, and counted as a fault of the platform.
 */
export type Outcome =
  | { kind: 'answer'; data: Record<string, unknown> }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'unknown'; why: string; internalError?: boolean };

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; serviceName?: string } }[];
}

/** Codes that say the request did not reach the service that owns it: it can be sent again as it is. */
function notReceived(error: NonNullable<Body['errors']>[number]): boolean {
  const code = error.extensions?.code;
  // PROVINCE_UNAVAILABLE from national is its refusal (nothing recorded, final for the key); from the
  // gateway's province router it means the province never saw the request.
  return (
    code === 'NATIONAL_UNAVAILABLE' || (code === 'PROVINCE_UNAVAILABLE' && error.extensions?.serviceName === 'province')
  );
}

export async function send(url: string, token: string, request: Request): Promise<Outcome> {
  let body: Body;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: request.document, variables: request.variables }),
      signal: AbortSignal.timeout(30_000),
    });
    body = (await response.json()) as Body;
  } catch (error) {
    return { kind: 'unknown', why: `no answer: ${(error as Error).message}` };
  }
  const [error] = body.errors ?? [];
  if (!error) return body.data ? { kind: 'answer', data: body.data } : { kind: 'unknown', why: 'no data and no error' };
  const code = error.extensions?.code ?? 'NO_CODE';
  if (code === 'OUTCOME_PENDING' || notReceived(error)) return { kind: 'unknown', why: code };
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'NO_CODE')
    return { kind: 'unknown', why: `${code}: ${error.message}`, internalError: true };
  return { kind: 'refused', code, message: error.message };
}

/** An outcome as compared between copies and replays of one key. */
export const answerText = (outcome: Outcome) =>
  outcome.kind === 'answer'
    ? JSON.stringify(outcome.data)
    : outcome.kind === 'refused'
      ? `${outcome.code}: ${outcome.message}`
      : '';
