import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  parse,
  type SelectionSetNode,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from './config.js';
import { DEFAULT_PAGE_SIZE } from './schema/relay.js';

/** The settings of the query limits. */
export type QueryLimits = Pick<
  Config,
  | 'maxQueryCost'
  | 'maxQueryDepth'
  | 'maxQueryAliases'
  | 'maxQueryTokens'
  | 'introspection'
  | 'maxPageSize'
>;

/** Weight of one element of a list of objects whose length no argument bounds (layers, tags). */
export const UNBOUNDED_LIST_WEIGHT = 10;

/** The contract's error for an operation over a limit. */
function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/** What a cost walk needs besides the selection: the schema, fragments and variables. */
interface CostScope {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Largest `first` counted; a larger one is the resolver's to refuse (BAD_USER_INPUT). */
  maxPage: number;
}

/** The `first` argument of a field, from a literal or a variable; the default page size otherwise. */
function firstOf(field: FieldNode, scope: CostScope): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first')?.value;
  const value =
    arg?.kind === Kind.INT
      ? Number(arg.value)
      : arg?.kind === Kind.VARIABLE
        ? scope.variables[arg.name.value]
        : undefined;
  // out-of-range values are the resolver's to refuse (BAD_USER_INPUT), not the cost's
  return typeof value === 'number' && value >= 0
    ? Math.min(value, scope.maxPage)
    : DEFAULT_PAGE_SIZE;
}

/**
 * Cost of a selection set on `parent`: every field costs 1 plus what it selects; a connection's
 * selection counts `first` times (the default page size when absent), other lists of objects
 * UNBOUNDED_LIST_WEIGHT times. Fragments on several types all count (an upper bound). The 50 × 20
 * portal fan-out (digest, size, platform, created, layers) costs 32,151.
 */
function costOf(
  selections: SelectionSetNode,
  parent: GraphQLNamedType,
  scope: CostScope,
  seen: ReadonlySet<string>,
): number {
  let total = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
      const definition = fields[selection.name.value];
      if (!definition || !selection.selectionSet) {
        total += 1;
        continue;
      }
      const type = getNullableType(definition.type);
      const named = getNamedType(type);
      const below = costOf(selection.selectionSet, named, scope, seen);
      // a connection's edges and nodes are bounded by its `first`, which already counted
      const times = named.name.endsWith('Connection')
        ? firstOf(selection, scope)
        : isListType(type) && !parent.name.endsWith('Connection')
          ? UNBOUNDED_LIST_WEIGHT
          : 1;
      total += 1 + times * below;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition
        ? (scope.schema.getType(selection.typeCondition.name.value) ?? parent)
        : parent;
      total += costOf(selection.selectionSet, on, scope, seen);
    } else {
      const name = selection.name.value;
      const fragment = scope.fragments[name];
      if (!fragment || seen.has(name)) continue;
      const on = scope.schema.getType(fragment.typeCondition.name.value) ?? parent;
      total += costOf(fragment.selectionSet, on, scope, new Set([...seen, name]));
    }
  }
  return total;
}

/** How deep a selection set reaches, following fragments (each at most once per path). */
function depthOf(
  selections: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string>,
): number {
  let deepest = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      const below = selection.selectionSet ? depthOf(selection.selectionSet, fragments, seen) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (fragment && !seen.has(name)) {
        deepest = Math.max(
          deepest,
          depthOf(fragment.selectionSet, fragments, new Set([...seen, name])),
        );
      }
    }
  }
  return deepest;
}

/** Counts aliased fields in a selection set, following fragments (each once). */
function aliasesIn(
  selections: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  let count = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) count++;
      if (selection.selectionSet) count += aliasesIn(selection.selectionSet, fragments, seen);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += aliasesIn(selection.selectionSet, fragments, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment) count += aliasesIn(fragment.selectionSet, fragments, seen);
    }
  }
  return count;
}

/** The fragments of a document, by name. */
function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

/** A rule refusing operations over the depth and alias limits (these do not vary with variables). */
function shapeRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, new Set());
        if (depth > limits.maxQueryDepth) {
          context.reportError(
            tooComplex(
              `the operation is ${depth} fields deep; the limit is ${limits.maxQueryDepth}`,
            ),
          );
        }
        const aliases = aliasesIn(operation.selectionSet, fragments, new Set());
        if (aliases > limits.maxQueryAliases) {
          context.reportError(
            tooComplex(
              `the operation has ${aliases} aliases; the limit is ${limits.maxQueryAliases}`,
            ),
          );
        }
      },
    };
  };
}

/** The cost of the operation an execution runs, with its variables. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  maxPage: number,
): number {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  return costOf(
    operation.selectionSet,
    root,
    { schema, fragments: fragmentsOf(document), variables, maxPage },
    new Set(),
  );
}

/** A message with every quoted value over 100 characters cut short (graphql-js quotes inputs whole). */
export function shortenValues(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.){100})(?:[^"\\]|\\.)+"/g, '"$1…"');
}

/**
 * A validation error as callers see it: no "Did you mean …?" (it maps out the schema for
 * probers), long quoted values cut short, and a literal of the wrong type (an out-of-range
 * `first`, say) marked BAD_USER_INPUT.
 */
function forCallers(error: Error): Error {
  if (!(error instanceof GraphQLError)) return error;
  const message = shortenValues(error.message.replace(/ Did you mean .+\?$/, ''));
  const wrongValue = /^(Expected value of type|Int cannot represent|String cannot represent)/.test(
    error.message,
  );
  if (message === error.message && !wrongValue) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: wrongValue ? { ...error.extensions, code: 'BAD_USER_INPUT' } : error.extensions,
  });
}

/**
 * Refuses operations over the configured token, depth, alias and cost limits with
 * QUERY_TOO_COMPLEX, before anything runs; drops field suggestions from validation errors; turns
 * introspection off when configured so.
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  // made once, not per request
  const parseWithLimit = (source: string | Source, options?: ParseOptions) => {
    try {
      return parse(source, { ...options, maxTokens: limits.maxQueryTokens });
    } catch (error) {
      if (error instanceof GraphQLError && / \d+ tokens/.test(error.message)) {
        throw tooComplex(`the operation has more than ${limits.maxQueryTokens} tokens`);
      }
      throw error;
    }
  };
  const shape = shapeRule(limits);
  const forCallersAll = (payload: {
    result: readonly Error[];
    setResult(errors: Error[]): void;
  }) => {
    if (payload.result.length > 0) payload.setResult(payload.result.map(forCallers));
  };
  return {
    onParse({ setParseFn }) {
      setParseFn(parseWithLimit);
    },
    onValidate({ addValidationRule }) {
      addValidationRule(shape);
      if (!limits.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      return forCallersAll;
    },
    // cost depends on variables (`first: $n`), and validation results are cached per document
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const cost = operationCost(
        args.schema,
        args.document,
        args.operationName,
        variables,
        limits.maxPageSize,
      );
      if (cost > limits.maxQueryCost) {
        setResultAndStopExecution({
          errors: [
            tooComplex(`the operation's cost is ${cost}; the limit is ${limits.maxQueryCost}`),
          ],
        });
      }
    },
  };
}
