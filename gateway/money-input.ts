import { type GraphQLSchema, isScalarType, valueFromASTUntyped } from 'graphql';
import { MoneyScalar } from '../subgraphs/common/platform/graphql/money-scalar';

/**
 * The supergraph tells the gateway only that `Money` is a scalar, so on its own the gateway passes
 * any value on and the subgraph refuses it there: a literal then came back as
 * GRAPHQL_VALIDATION_FAILED in an HTTP 200 answer, a variable as INVALID_AMOUNT. The gateway checks
 * Money the way the subgraphs do, before any fetch, so one mistake gets one answer: INVALID_AMOUNT,
 * HTTP 400, whether the amount is written in the query or sent as a variable. What is passed on to
 * the subgraphs stays the caller's string.
 */
export function checkMoneyAtTheGateway(schema: GraphQLSchema): void {
  const money = schema.getType(MoneyScalar.name);
  if (!isScalarType(money)) return;
  money.parseValue = (value: unknown) => {
    MoneyScalar.parseValue(value);
    return value;
  };
  money.parseLiteral = (ast, variables) => {
    MoneyScalar.parseLiteral(ast, variables);
    return valueFromASTUntyped(ast, variables);
  };
}
