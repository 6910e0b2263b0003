import {
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  print,
  type SelectionSetNode,
  validate,
  visit,
} from 'graphql';

/**
 * A subscription to wallet events, turned into the query the gateway runs for each event: the
 * subscriber's selection set on `walletEvent(id:)`, under the subscription's response key, with
 * their own variables and fragments. So each event is planned and executed like any query of the
 * graph, with the subscriber's credentials: access rules, masking and R32 records apply per event,
 * and the event may reach any field (a province's account fields included).
 *
 *   subscription S($m: ID!) { e: walletEvents(memberId: $m) { kind transfer { amount } } }
 *   → query S($walletEventId: ID!) { e: walletEvent(id: $walletEventId) { kind transfer { amount } } }
 */
export const SUBSCRIPTION_FIELD = 'walletEvents';
export const EVENT_FIELD = 'walletEvent';

export interface EventSubscription {
  memberId: string;
  /** The last event id the client received, to resume after. */
  after?: string;
  /** The query for one event, and its operation (for the limits). */
  query: DocumentNode;
  queryText: string;
  operation: OperationDefinitionNode;
  operationName?: string;
  /** The variable that names the event; the subscriber's own variables go along unchanged. */
  eventVariable: string;
  variables: Record<string, unknown>;
  /** Where the event is in each answer's data. */
  responseKey: string;
}

const refusal = (message: string, code = 'BAD_REQUEST') => [new GraphQLError(message, { extensions: { code } })];

/** The subscription a document asks for, or why it cannot be served (validation errors included). */
export function eventSubscriptionOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> = {},
): { subscription: EventSubscription } | { errors: readonly GraphQLError[] } {
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { errors: invalid };
  const operation = getOperationAST(document, operationName);
  if (!operation)
    return {
      errors: refusal('Name the operation to run (operationName): the document has several, or none by that name.'),
    };
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return { errors: refusal('Only subscriptions are served here; send queries and mutations to /graphql.') };
  }
  const [root] = operation.selectionSet.selections;
  if (
    operation.selectionSet.selections.length !== 1 ||
    root.kind !== Kind.FIELD ||
    root.name.value !== SUBSCRIPTION_FIELD
  ) {
    return { errors: refusal(`Select \`${SUBSCRIPTION_FIELD}\` directly in the subscription, and nothing else.`) };
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return { errors: coerced.errors };
  const field = schema.getSubscriptionType()?.getFields()[SUBSCRIPTION_FIELD];
  if (!field) return { errors: refusal('This graph has no wallet events.') };
  const args = getArgumentValues(field, root, coerced.coerced) as { memberId: string; after?: string | null };
  const eventVariable = unusedName(operation, 'walletEventId');
  const query = eventQuery(document, operation, root, eventVariable);
  const eventOperation = query.definitions[0] as OperationDefinitionNode;
  return {
    subscription: {
      memberId: args.memberId,
      after: args.after ?? undefined,
      query,
      queryText: print(query),
      operation: eventOperation,
      operationName: eventOperation.name?.value,
      eventVariable,
      variables,
      responseKey: root.alias?.value ?? root.name.value,
    },
  };
}

function unusedName(operation: OperationDefinitionNode, wanted: string): string {
  const taken = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}${n}`;
  return name;
}

const nameNode = (value: string) => ({ kind: Kind.NAME, value }) as const;

/** The query for one event: the root field replaced, unused variables and unreached fragments left out. */
function eventQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  root: FieldNode,
  eventVariable: string,
): DocumentNode {
  const field: FieldNode = {
    ...root,
    alias: nameNode(root.alias?.value ?? root.name.value),
    name: nameNode(EVENT_FIELD),
    arguments: [
      { kind: Kind.ARGUMENT, name: nameNode('id'), value: { kind: Kind.VARIABLE, name: nameNode(eventVariable) } },
    ],
  };
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [field] };
  const fragments = reachedFragments(document, selectionSet);
  const used = variablesIn([selectionSet, ...fragments.map((f) => f.selectionSet)]);
  const body: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: nameNode(eventVariable) },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: nameNode('ID') } },
      },
    ],
    selectionSet,
  };
  const definitions: DefinitionNode[] = [body, ...fragments];
  return { kind: Kind.DOCUMENT, definitions };
}

function reachedFragments(document: DocumentNode, from: SelectionSetNode): FragmentDefinitionNode[] {
  const all = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const reached = new Map<string, FragmentDefinitionNode>();
  const walk = (selections: SelectionSetNode) =>
    visit(selections, {
      FragmentSpread(spread) {
        const fragment = all.get(spread.name.value);
        if (!fragment || reached.has(fragment.name.value)) return;
        reached.set(fragment.name.value, fragment);
        walk(fragment.selectionSet);
      },
    });
  walk(from);
  return [...reached.values()];
}

function variablesIn(selectionSets: readonly SelectionSetNode[]): Set<string> {
  const names = new Set<string>();
  for (const selectionSet of selectionSets) {
    visit(selectionSet, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  return names;
}
