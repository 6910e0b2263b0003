import type { Cluster } from '../cluster/cluster';
import type { Who } from '../cluster/parties';
import { withCheckCharacter } from '../subgraphs/common/domain/id-number';
import { FundSource } from '../subgraphs/common/domain/enums';
import { formatYuan, parseYuan } from '../subgraphs/common/domain/money';
import { emptyAccount, type Family, type Member, provinceOf } from './model';
import { DOCUMENTS, type Outcome, type Request, send } from './requests';
import type { Random } from './random';

/**
 * The run's world: families of a donor (an employee) and a beneficiary (a resident or an employee),
 * within one province or across two, each in a live relationship. Set up through the graph.
 */

/** Regions of the running provinces: donors and cross-province beneficiaries live in pilot regions (R8). */
const PILOT_REGIONS = ['320100', '320500', '130100', '510100'];
const OTHER_REGIONS = ['130600', '510700'];

export interface Platform {
  cluster: Cluster;
  send(request: Request): Promise<Outcome>;
  /** Sends until the request is answered or refused for good (for steps that are safe to repeat). */
  settle(request: Request, accept?: (outcome: Outcome) => boolean): Promise<Outcome>;
  /** Counts answers that were internal errors (a fault of the platform, whatever came after). */
  internalErrors: string[];
  /** The longest any request sent here waited for its answer, in ms. */
  slowestMs: number;
}

export function platform(cluster: Cluster): Platform {
  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (who: Who) => {
    const id = JSON.stringify(who);
    if (!tokens.has(id)) tokens.set(id, cluster.token(who));
    return tokens.get(id) as Promise<string>;
  };
  const internalErrors: string[] = [];
  const self: Platform = {
    cluster,
    internalErrors,
    slowestMs: 0,
    async send(request) {
      const token = await tokenOf(request.who);
      const started = Date.now();
      const outcome = await send(cluster.gatewayUrl, token, request);
      self.slowestMs = Math.max(self.slowestMs, Date.now() - started);
      if (outcome.kind === 'unknown' && outcome.internalError) internalErrors.push(outcome.why);
      return outcome;
    },
    async settle(request, accept = isFinalStep) {
      for (let attempt = 0; ; attempt++) {
        const outcome = await self.send(request);
        if (accept(outcome)) return outcome;
        if (attempt > 600)
          throw new Error(
            `no final answer to ${request.document.slice(0, 60)} after ${attempt} attempts: ${JSON.stringify(outcome)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
  return self;
}

/** A step safe to repeat is done when answered or refused, unless refused because a province was down. */
const isFinalStep = (outcome: Outcome) =>
  outcome.kind === 'answer' || (outcome.kind === 'refused' && outcome.code !== 'PROVINCE_UNAVAILABLE');

const answerOf = (outcome: Outcome, what: string) => {
  if (outcome.kind !== 'answer') throw new Error(`${what}: ${JSON.stringify(outcome)}`);
  return outcome.data;
};

let people = 0;
/** A fresh valid ID number, unique within this run (born 1970–1999 in 370102, an arbitrary birthplace). */
function newIdNumber(run: number): string {
  people += 1;
  const serial = String(people % 1000).padStart(3, '0');
  const day = String(1 + (Math.floor(people / 1000) % 28)).padStart(2, '0');
  const year = 1970 + (Math.floor(people / 28_000) % 30);
  return withCheckCharacter(`370102${year}${String(1 + (run % 12)).padStart(2, '0')}${day}${serial}`);
}

/** Enrols a member, credits an employee's account, opens the wallet. */
export async function enrolMember(
  p: Platform,
  run: number,
  region: string,
  type: Member['type'],
  yuan: [string, string],
): Promise<Member> {
  const portal: Who = { portal: provinceOf(region) };
  const input = { idNumber: newIdNumber(run), name: '演练', insuranceType: type, poolingRegion: region };
  const id = (
    answerOf(await p.settle({ who: portal, document: DOCUMENTS.enrol, variables: { input } }), 'enrol')
      .enrollMember as { id: string }
  ).id;
  const member: Member = { id, region, type, account: type === 'EMPLOYEE' ? emptyAccount() : undefined };
  if (member.account) {
    for (const [fundSource, amount] of [
      [FundSource.CURRENT_YEAR, yuan[0]],
      [FundSource.ACCUMULATED, yuan[1]],
    ] as const) {
      const credit = { memberId: id, fundSource, amount, idempotencyKey: `setup-${id}-${fundSource}` };
      answerOf(await p.settle({ who: portal, document: DOCUMENTS.credit, variables: { input: credit } }), 'credit');
      member.account[fundSource].balance += parseYuan(amount);
    }
  }
  const wallet = { memberId: id, phone: '13912345678', placeOfUse: region };
  await p.settle({ who: { member: id }, document: DOCUMENTS.activate, variables: { input: wallet } });
  return member;
}

/** A commitment letter signed an hour before the run's clock starts (10:00 Beijing time). */
export const letter = (signedAt: Date) => ({ version: '2024-v1', signedAt: signedAt.toISOString() });

/** Registers and confirms a relationship; repeats find the one already there. */
export async function relate(p: Platform, donor: Member, beneficiary: Member, signedAt: Date): Promise<string> {
  const input = {
    donorId: donor.id,
    beneficiaryId: beneficiary.id,
    relation: 'PARENT',
    channel: 'NATIONAL_APP',
    commitment: letter(signedAt),
  };
  const outcome = await p.settle({ who: { member: donor.id }, document: DOCUMENTS.establish, variables: { input } });
  let id: string;
  if (outcome.kind === 'answer') {
    id = (outcome.data.establishMutualAid as { id: string }).id;
  } else {
    // An earlier attempt whose answer was lost registered it: find it.
    const mine = answerOf(
      await p.settle({ who: { member: donor.id }, document: DOCUMENTS.relationshipsOf, variables: { id: donor.id } }),
      'relationships',
    );
    const edges = (
      mine.member as {
        relationshipsAsDonor: { edges: { node: { id: string; status: string; beneficiary: { id: string } } }[] };
      }
    ).relationshipsAsDonor.edges;
    const live = edges.find((e) => e.node.beneficiary.id === beneficiary.id && e.node.status !== 'DISSOLVED');
    if (!live) throw new Error(`establishing ${donor.id} → ${beneficiary.id}: ${JSON.stringify(outcome)}`);
    id = live.node.id;
  }
  const confirmed = await p.settle({
    who: { member: beneficiary.id },
    document: DOCUMENTS.confirm,
    variables: { input: { relationshipId: id, channel: 'NATIONAL_APP' } },
  });
  answerOf(confirmed, 'confirm');
  return id;
}

/** A new beneficiary for a family: within the donor's province or, if the donor's region is a pilot one, another province's pilot region (R8). */
export async function newBeneficiary(
  p: Platform,
  run: number,
  random: Random,
  donor: Member,
  provinces: string[],
): Promise<Member> {
  const donorProvince = provinceOf(donor.region);
  const candidates = [...PILOT_REGIONS, ...OTHER_REGIONS]
    .filter((r) => provinces.includes(provinceOf(r)))
    .filter(
      (r) => provinceOf(r) === donorProvince || (PILOT_REGIONS.includes(r) && PILOT_REGIONS.includes(donor.region)),
    );
  const region = random.pick(candidates);
  const employee = random.chance(0.3);
  return enrolMember(
    p,
    run,
    region,
    employee ? 'EMPLOYEE' : 'RESIDENT',
    employee ? [random.yuan(0, 300), random.yuan(0, 300)] : ['0', '0'],
  );
}

export async function newFamily(
  p: Platform,
  run: number,
  random: Random,
  index: number,
  provinces: string[],
  signedAt: Date,
): Promise<Family> {
  const donorRegion = random.pick(pilotRegions(provinces));
  const donor = await enrolMember(p, run, donorRegion, 'EMPLOYEE', [random.yuan(2000, 6000), random.yuan(1000, 5000)]);
  const beneficiary = await newBeneficiary(p, run, random, donor, provinces);
  const relationship = {
    id: await relate(p, donor, beneficiary, signedAt),
    donorId: donor.id,
    status: 'ACTIVE' as const,
  };
  return {
    index,
    donor,
    beneficiary,
    former: [],
    relationship,
    relationships: [relationship],
    lots: [],
    settlements: [],
  };
}

/** R24 out of the way of the run: many transfers a day per donor, no night window near its clock. */
export async function relaxTransferPolicy(p: Platform, provinces: string[]): Promise<void> {
  for (const region of [...PILOT_REGIONS, ...OTHER_REGIONS].filter((r) => provinces.includes(provinceOf(r)))) {
    const input = {
      poolingRegion: region,
      dailyTransferLimit: 1000,
      transferAmountLimit: formatYuan(100_000_000n),
      nightWindowStart: '03:00',
      nightWindowEnd: '03:01',
    };
    answerOf(
      await p.settle({ who: { portal: provinceOf(region) }, document: DOCUMENTS.setPolicy, variables: { input } }),
      'policy',
    );
  }
}

export const SETTLEMENT_REGIONS = [...PILOT_REGIONS, ...OTHER_REGIONS];

/** Pilot regions (cross-province aid enabled, R8) of the running provinces. */
export const pilotRegions = (provinces: string[]) => PILOT_REGIONS.filter((r) => provinces.includes(provinceOf(r)));
export const isPilotRegion = (region: string) => PILOT_REGIONS.includes(region);

/** Every region of the running provinces the run uses. */
export const regionsOf = (provinces: string[]) => SETTLEMENT_REGIONS.filter((r) => provinces.includes(provinceOf(r)));
