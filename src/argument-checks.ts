import {
  type ASTNode,
  BREAK,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  GraphQLIncludeDirective,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';
import { isRegistryError } from './registry/errors.js';

/** A field around the one whose arguments are checked: `Type.field`, and its arguments. */
export interface EnclosingField {
  coordinate: string;
  args: Record<string, unknown>;
}

/** Variables of an operation, as the executor coerces them. */
type Variables = Record<string, unknown>;

/** Whether a field or fragment with these directives runs under `variables` (@skip, @include). */
function included(node: { directives?: readonly DirectiveNode[] }, variables: Variables): boolean {
  if (!node.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
  const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
  return skip?.if !== true && include?.if !== false;
}

/** A field check's refusal as the answer's error, at the field that has the bad argument. */
function refusal(error: unknown, node: ASTNode): GraphQLError {
  if (error instanceof GraphQLError) {
    return new GraphQLError(error.message, { nodes: [node], extensions: error.extensions });
  }
  if (isRegistryError(error)) {
    return new GraphQLError(error.message, { nodes: [node], extensions: { code: error.code } });
  }
  throw error;
}

/**
 * The operation a request names, with its variables as the executor coerces them; undefined when
 * there is none or a variable does not coerce (the executor answers those with its own errors).
 */
export function runnableOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variableValues: Variables | null | undefined,
): { operation: OperationDefinitionNode; variables: Variables } | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    variableValues ?? {},
  );
  return coerced.errors ? undefined : { operation, variables: coerced.coerced };
}

/**
 * The first argument of the operation that its field's `checkArgs` refuses, or undefined. Every
 * field the operation may run is looked at once, at any depth, in fragments too (each fragment
 * once, however often it is spread), literals and variables alike; skipped ones are not. Variables
 * that do not coerce are left to the executor, which answers them with graphql-js's own errors.
 */
export function argumentProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variableValues: Variables | null | undefined,
  context: Context,
): GraphQLError | undefined {
  const runnable = runnableOperation(schema, document, operationName, variableValues);
  if (!runnable) return undefined;
  const { operation, variables } = runnable;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const pending: ASTNode[] = [operation];
  const reached = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  let problem: GraphQLError | undefined;
  // the fields around the one visited, in this definition (a fragment's start knows none)
  const enclosing: EnclosingField[] = [];
  const visitor = visitWithTypeInfo(typeInfo, {
    [Kind.FIELD]: {
      enter(node) {
        if (!included(node, variables)) return false;
        const field = typeInfo.getFieldDef();
        const args =
          field && node.arguments?.length ? getArgumentValues(field, node, variables) : {};
        try {
          if (field && node.arguments?.length) {
            field.extensions.checkArgs?.(args, context, enclosing.at(-1));
          }
        } catch (error) {
          problem = refusal(error, node);
          return BREAK;
        }
        enclosing.push({
          coordinate: `${typeInfo.getParentType()?.name}.${node.name.value}`,
          args,
        });
        return undefined;
      },
      leave() {
        enclosing.pop();
      },
    },
    [Kind.INLINE_FRAGMENT]: (node) => (included(node, variables) ? undefined : false),
    [Kind.FRAGMENT_SPREAD](node) {
      const name = node.name.value;
      const fragment = fragments.get(name);
      if (fragment && !reached.has(name) && included(node, variables)) {
        reached.add(name);
        pending.push(fragment);
      }
      return false;
    },
  });
  for (let next = pending.pop(); next && !problem; next = pending.pop()) visit(next, visitor);
  return problem;
}

/** What a document without variables was found to hold, per operation name (it cannot change). */
type Verdicts = Map<string, GraphQLError | undefined>;

/**
 * Refuses an operation any of whose arguments a field would refuse (BAD_USER_INPUT), before any
 * field runs: bad input anywhere in an operation costs no upstream request, not even those of the
 * fields around it. An operation without variables is looked at once per document.
 */
export function useArgumentChecks(): Plugin {
  const verdicts = new WeakMap<DocumentNode, Verdicts>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { schema, document, operationName, variableValues, contextValue } = args;
      const constant = !getOperationAST(document, operationName)?.variableDefinitions?.length;
      const known = constant ? verdicts.get(document) : undefined;
      const key = operationName ?? '';
      let problem = known?.get(key);
      if (!known?.has(key)) {
        problem = argumentProblem(
          schema,
          document,
          operationName,
          variableValues,
          contextValue as unknown as Context,
        );
        if (constant) verdicts.set(document, (known ?? new Map()).set(key, problem));
      }
      if (!problem) return;
      (contextValue as unknown as Context).execution = 'refused';
      setResultAndStopExecution({ errors: [problem] });
    },
  };
}
