import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { type BreakerSettings, Breakers } from '../subgraphs/common/platform/http/circuit-breaker';
import { RefusalCode } from '../subgraphs/common/domain/errors';
import { log } from '../subgraphs/common/platform/log';
import type { DeploymentHealth } from './deployment-health';
import { provinceOfRootFields, type Representation, splitRepresentations } from './route-fetch';
import { SubgraphSource, SubgraphUnreachable } from './subgraph-source';
import { unansweredFetch } from './unanswered-fetch';

/**
 * The data source of the `province` subgraph: a router over the provincial deployments.
 * An `_entities` fetch is split by province, the parts go out in parallel, and the answers are put
 * back in order; any other fetch goes to the one province its root fields name. A fetch is never
 * sent to a guessed province: an unroutable one, or one for a province that is not running or has
 * drifted, is answered with PROVINCE_UNROUTABLE / PROVINCE_UNAVAILABLE at the path of each field it
 * was for, and a mutation that got no answer after it was sent with OUTCOME_PENDING (R30). The
 * figures of a province that runs no deployment at all are null without an error.
 * Each fetch has the province deadline; a province whose fetches keep getting no answer in time is
 * failed fast by its circuit breaker (see circuit-breaker.ts) until a probe gets an answer.
 */
export class ProvinceRouter implements GraphQLDataSource {
  private readonly deployments: Map<string, SubgraphSource>;
  private readonly breakers: Breakers;

  constructor(
    urls: Record<string, string>,
    private readonly health: DeploymentHealth,
    timeoutMs: number,
    breaker?: BreakerSettings,
  ) {
    this.deployments = new Map(
      Object.entries(urls).map(([province, url]) => [
        province,
        new SubgraphSource(url, { subgraph: 'province', province }, timeoutMs),
      ]),
    );
    this.breakers = new Breakers(breaker, (province, state) =>
      log.info({ province, breaker: state }, `province ${province}: circuit breaker ${state}`),
    );
  }

  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    if (Array.isArray(representations)) return this.routeEntities(options, representations as Representation[]);
    const route = provinceOfRootFields(options.request.query ?? '', options.request.variables);
    if ('problem' in route) {
      return unansweredFetch(options.request, {
        code: RefusalCode.PROVINCE_UNROUTABLE,
        message: `Cannot find the province to send this to: ${route.problem}.`,
      });
    }
    return this.send(route.province, options);
  }

  private async routeEntities(
    options: GraphQLDataSourceProcessOptions,
    representations: Representation[],
  ): Promise<GatewayGraphQLResponse> {
    const { byProvince, unroutable } = splitRepresentations(representations);
    const entities: unknown[] = new Array(representations.length).fill(null);
    const errors: GraphQLFormattedError[] = unroutable.map((index) =>
      entityError(index, RefusalCode.PROVINCE_UNROUTABLE, 'This key names no province.'),
    );
    await Promise.all(
      [...byProvince].map(async ([province, allPositions]) => {
        // A province that runs no deployment has no figures: its Province stays null, with no error (`connected: false` says why).
        const positions = this.deployments.has(province)
          ? allPositions
          : allPositions.filter((i) => representations[i].__typename !== 'Province');
        if (positions.length === 0) return;
        const part = positions.map((i) => representations[i]);
        try {
          const request = { ...options.request, variables: { ...options.request.variables, representations: part } };
          const response = await this.send(province, { ...options, request });
          const answered = (response.data?._entities ?? []) as unknown[];
          positions.forEach((globalIndex, localIndex) => (entities[globalIndex] = answered[localIndex] ?? null));
          for (const error of response.errors ?? []) errors.push(withGlobalPath(error, positions));
        } catch (error) {
          const { message, extensions } = error instanceof GraphQLError ? error : new GraphQLError(String(error));
          for (const index of positions) errors.push(entityError(index, String(extensions.code), message));
        }
      }),
    );
    return { data: { _entities: entities }, errors: errors.length > 0 ? errors : undefined };
  }

  private async send(province: string, options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const unavailable = (why: string, mayHaveArrived = false) =>
      unansweredFetch(options.request, {
        code: RefusalCode.PROVINCE_UNAVAILABLE,
        message: `Province ${province} ${why}; its data cannot be read or changed now, and nothing was done.`,
        extensions: { province },
        mayHaveArrived,
      });
    const source = this.deployments.get(province);
    if (!source) return unavailable('is not running on this platform');
    const breaker = this.breakers.of(province);
    const failedFast = () => unavailable('has not been answering in time (failed fast until it answers again)');
    if (breaker.failsFast()) return failedFast();
    let status = this.health.status(province);
    if (status && status.state !== 'healthy' && status.state !== 'drifted') {
      status = await this.health.check(province);
      if (status.state === 'unreachable' && status.timedOut) breaker.silent(); // the check was a probe that got no answer either
    }
    if (status?.state === 'drifted') return unavailable('serves a different province schema and is not used');
    if (status?.state !== 'healthy') return unavailable('is not answering');
    if (!breaker.admit()) return failedFast();
    try {
      const response = await source.send({ ...options, request: { ...options.request } });
      breaker.answered();
      return response;
    } catch (error) {
      if (!(error instanceof SubgraphUnreachable)) {
        breaker.answered(); // the deployment answered: a refusal or bad input
        throw error;
      }
      if (error.timedOut) breaker.silent();
      else breaker.answered(); // refused: the process is down, which fails fast by itself
      // A refused connection means the process is down: the health check finds when it is back.
      // A timeout alone is left to the breaker, so that one slow request does not take a province out.
      if (!error.timedOut) this.health.markUnreachable(province, error.message);
      return unavailable(error.timedOut ? 'did not answer in time' : 'is not answering', error.mayHaveArrived);
    }
  }
}

function entityError(index: number, code: string, message: string): GraphQLFormattedError {
  return { message, path: ['_entities', index], extensions: { code } };
}

/** Rewrites `_entities.<local index>` in an error path to the representation's global index. */
function withGlobalPath(error: GraphQLFormattedError, positions: number[]): GraphQLFormattedError {
  const [head, local, ...rest] = error.path ?? [];
  if (head !== '_entities' || typeof local !== 'number') return error;
  return { ...error, path: ['_entities', positions[local] ?? local, ...rest] };
}
