/** The page's one question to the graph (R23), asked with the signed-in token. */
const FIGURES = 'aidCount aidAmount withinProvinceCount withinProvinceAmount crossProvinceCount crossProvinceAmount walletsActivated';

export const DASHBOARD_QUERY = `query Dashboard($from: String!, $to: String!) {
  aidStatistics(from: $from, to: $to) {
    from to currentMonth province { code name }
    thisMonth { ${FIGURES} } total { ${FIGURES} } walletsActivatedToDate quotaOutstanding
    months { month ${FIGURES} }
    provinces { province { code name } ${FIGURES} walletsActivatedToDate quotaOutstanding }
    regions { poolingRegion { code name } ${FIGURES} walletsActivatedToDate quotaOutstanding }
    clearing { debtor { code name } creditor { code name } amount aidCount }
  } }`;

export interface Figures {
  aidCount: number;
  aidAmount: string;
  withinProvinceCount: number;
  withinProvinceAmount: string;
  crossProvinceCount: number;
  crossProvinceAmount: string;
  walletsActivated: number;
}

export interface Place { code: string; name: string }
export type Stocks = { walletsActivatedToDate: number; quotaOutstanding: string };

export interface Statistics {
  from: string;
  to: string;
  currentMonth: string;
  province: Place | null;
  thisMonth: Figures;
  total: Figures;
  walletsActivatedToDate: number;
  quotaOutstanding: string;
  months: (Figures & { month: string })[];
  provinces: (Figures & Stocks & { province: Place })[];
  regions: (Figures & Stocks & { poolingRegion: Place })[];
  clearing: { debtor: Place; creditor: Place; amount: string; aidCount: number }[];
}

/** A refusal of the graph, with its stable code (FORBIDDEN, UNAUTHENTICATED, INVALID_ARGUMENT, ...). */
export class GraphError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function fetchStatistics(token: string, from: string, to: string): Promise<Statistics> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { from, to } }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: { aidStatistics?: Statistics } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const error = body.errors?.[0];
  if (error) throw new GraphError(error.extensions?.code ?? `HTTP_${response.status}`, error.message);
  if (!body.data?.aidStatistics) throw new GraphError(`HTTP_${response.status}`, 'no statistics in the answer');
  return body.data.aidStatistics;
}
