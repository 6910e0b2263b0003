import {
  type AidCategoryName,
  DASHBOARD_QUERY,
  type DashboardStatistics,
  type InsuranceTypeName,
  type PeriodUnitName,
} from '../subgraphs/national/statistics/dashboard-query';

/** The page's one question to the graph (R23), asked with the signed-in token. */
export type {
  DashboardFigures as Figures,
  DashboardStatistics as Statistics,
  Stocks,
} from '../subgraphs/national/statistics/dashboard-query';

/** A refusal of the graph, with its stable code (FORBIDDEN, UNAUTHENTICATED, INVALID_ARGUMENT, ...). */
export class GraphError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Question {
  from: string;
  to: string;
  unit: PeriodUnitName;
  category: AidCategoryName | null;
  insuranceType: InsuranceTypeName | null;
}

export async function fetchStatistics(token: string, variables: Question): Promise<DashboardStatistics> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DASHBOARD_QUERY, variables }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: { aidStatistics?: DashboardStatistics } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const error = body.errors?.[0];
  if (error) throw new GraphError(error.extensions?.code ?? `HTTP_${response.status}`, error.message);
  if (!body.data?.aidStatistics) throw new GraphError(`HTTP_${response.status}`, 'no statistics in the answer');
  return body.data.aidStatistics;
}
