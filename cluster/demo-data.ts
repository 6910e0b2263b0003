import { withCheckCharacter } from '../subgraphs/common/domain/id-number';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { issueToken, type SigningIdentity, type TokenRequest } from '../subgraphs/common/platform/auth/tokens';
import { graphql, graphqlOk } from './graphql-client';

/**
 * A few families spread over 江苏 (32), 河北 (13) and 四川 (51), loaded through the public graph
 * on first start. The 伍 family is the story of the articles: a son insured in 苏州 whose father,
 * a resident insured in 成都, has hospital bills.
 */
export interface DemoPerson {
  key: string;
  name: string;
  idNumber: string;
  insuranceType: 'EMPLOYEE' | 'RESIDENT';
  poolingRegion: string;
  /** Yuan credited to an employee's account: [current year, accumulated]. */
  contributions?: [string, string];
  wallet: boolean;
}

const id = (first17: string) => withCheckCharacter(first17);

export const DEMO_PEOPLE: DemoPerson[] = [
  {
    key: 'wuQiang',
    name: '伍强',
    idNumber: id('51010519900312003'),
    insuranceType: 'EMPLOYEE',
    poolingRegion: '320500',
    contributions: ['3600.00', '12850.00'],
    wallet: true,
  },
  {
    key: 'wuMin',
    name: '伍敏',
    idNumber: id('51010519620805001'),
    insuranceType: 'RESIDENT',
    poolingRegion: '510100',
    wallet: true,
  },
  {
    key: 'zhangLi',
    name: '张丽',
    idNumber: id('13010219850101002'),
    insuranceType: 'EMPLOYEE',
    poolingRegion: '130100',
    contributions: ['2400.00', '5300.50'],
    wallet: true,
  },
  {
    key: 'liXiaoyu',
    name: '李小雨',
    idNumber: id('13010220120606004'),
    insuranceType: 'RESIDENT',
    poolingRegion: '320100',
    wallet: true,
  },
  {
    key: 'wangXiuying',
    name: '王秀英',
    idNumber: id('13060219500220006'),
    insuranceType: 'RESIDENT',
    poolingRegion: '130600',
    wallet: false,
  },
  {
    key: 'chenGang',
    name: '陈刚',
    idNumber: id('51070319800415001'),
    insuranceType: 'EMPLOYEE',
    poolingRegion: '510100',
    contributions: ['4100.00', '20000.00'],
    wallet: true,
  },
  {
    key: 'liuFang',
    name: '刘芳',
    idNumber: id('51070319820909002'),
    insuranceType: 'EMPLOYEE',
    poolingRegion: '510700',
    contributions: ['1800.00', '3000.00'],
    wallet: true,
  },
  {
    key: 'chenXiaoming',
    name: '陈小明',
    idNumber: id('51010520100101003'),
    insuranceType: 'RESIDENT',
    poolingRegion: '510100',
    wallet: true,
  },
];

const ENROL = `mutation Enrol($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`;
const CREDIT = `mutation Credit($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const ACTIVATE = `mutation Activate($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`;

/**
 * Loads the demo families unless they are there already; returns member ids by person key. A person
 * loaded before is found wherever they are insured now (a move takes them to another province); one
 * insured in a province that is not running now is left alone (enrolling answers ALREADY_ENROLLED);
 * one whose insurance ended is enrolled again, as a new member.
 */
export async function loadDemoData(
  gatewayUrl: string,
  provinces: string[],
  identity: SigningIdentity,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const portals = new Map<string, Record<string, string>>();
  for (const code of provinces)
    portals.set(code, await bearer(identity, { role: Role.PROVINCIAL_PORTAL, subject: 'demo-loader', province: code }));
  for (const person of DEMO_PEOPLE.filter((p) => provinces.includes(p.poolingRegion.slice(0, 2)))) {
    // The province's portal enrols and credits; the member opens their own wallet.
    const home = person.poolingRegion.slice(0, 2);
    const portal = portals.get(home);
    if (!portal) throw new Error(`the demo needs province ${home} running for ${person.name}`);
    const found = await insuredIn(gatewayUrl, person, [home, ...provinces.filter((code) => code !== home)], portals);
    if (found) {
      ids[person.key] = found;
      continue;
    }
    const enrolled = await graphql<{ enrollMember: { id: string } }>(
      gatewayUrl,
      ENROL,
      {
        input: {
          idNumber: person.idNumber,
          name: person.name,
          insuranceType: person.insuranceType,
          poolingRegion: person.poolingRegion,
        },
      },
      portal,
    );
    if (enrolled.errors?.[0]?.extensions?.code === 'ALREADY_ENROLLED') continue; // moved to a province that is not running now
    if (enrolled.errors?.length || !enrolled.data)
      throw new Error(`GraphQL errors: ${JSON.stringify(enrolled.errors)}`);
    const memberId = enrolled.data.enrollMember.id;
    ids[person.key] = memberId;
    const [currentYear, accumulated] = person.contributions ?? [];
    for (const [fundSource, amount] of [
      ['CURRENT_YEAR', currentYear],
      ['ACCUMULATED', accumulated],
    ] as const) {
      if (!amount) continue;
      // The key names the membership: a person enrolled again after their insurance ended is credited anew.
      await graphqlOk(
        gatewayUrl,
        CREDIT,
        {
          input: { memberId, fundSource, amount, idempotencyKey: `demo-${memberId}-${fundSource}` },
        },
        portal,
      );
    }
    if (person.wallet) {
      const phone = demoPhone(person);
      const self = await bearer(identity, { role: Role.MEMBER, subject: memberId });
      await graphqlOk(gatewayUrl, ACTIVATE, { input: { memberId, phone, placeOfUse: person.poolingRegion } }, self);
    }
  }
  return ids;
}

/** The member id of a person insured now in one of the provinces, each asked by its own portal. */
async function insuredIn(
  gatewayUrl: string,
  person: DemoPerson,
  provinces: string[],
  portals: Map<string, Record<string, string>>,
): Promise<string | undefined> {
  for (const code of provinces) {
    const found = await graphqlOk<{ memberByIdNumber: { id: string } | null }>(
      gatewayUrl,
      `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`,
      { n: person.idNumber },
      portals.get(code),
    );
    if (found.memberByIdNumber) return found.memberByIdNumber.id;
  }
  return undefined;
}

/** The phone number a demo person's wallet is opened with (R29). */
export const demoPhone = (person: DemoPerson) => `139${person.idNumber.slice(10, 18).replace('X', '0')}`;

async function bearer(identity: SigningIdentity, request: TokenRequest): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await issueToken(identity, { ...request, ttlSeconds: 600 })}` };
}
