import { readFileSync } from 'node:fs';
import {
  astFromValue,
  buildSchema,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  OperationTypeNode,
  print,
  printSchema,
} from 'graphql';

/** The committed SDL of the gateway's schema. */
export const schemaFile = new URL('../../schema/schema.graphql', import.meta.url);

/** The text `schema/schema.graphql` must hold for `schema`. */
export function printedSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}

/**
 * The binding API contract: the repository's copy of the design folder's
 * (../shared/design/api-contract.graphql; scripts/check-contract.sh fails CI when they differ).
 */
export function readContract(): string {
  return readFileSync(new URL('../../schema/api-contract.graphql', import.meta.url), 'utf8');
}

/** Each way the schema in `schemaSdl` breaks the contract `contractSdl`, one sorted line each. */
export function contractViolations(contractSdl: string, schemaSdl: string): string[] {
  const contract = buildSchema(contractSdl);
  const schema = buildSchema(schemaSdl);
  const roots = Object.values(OperationTypeNode).flatMap((operation) => {
    const expected = contract.getRootType(operation)?.name;
    const actual = schema.getRootType(operation)?.name ?? 'none';
    return expected === undefined ? [] : mismatch('schema', `${operation} root`, actual, expected);
  });
  const types = Object.values(contract.getTypeMap())
    .filter((type) => !isIntrospectionType(type) && !isSpecifiedScalarType(type))
    .flatMap((type) => typeViolations(type, schema.getType(type.name)));
  return [...roots, ...types].sort();
}

type InputValue = GraphQLArgument | GraphQLInputField;

function mismatch(coordinate: string, what: string, actual: string, expected: string): string[] {
  return actual === expected
    ? []
    : [`${coordinate}: ${what} is ${actual}, the contract has ${expected}`];
}

function missing(expected: readonly { name: string }[], actual: readonly { name: string }[]) {
  const present = new Set(actual.map(({ name }) => name));
  return expected.map(({ name }) => name).filter((name) => !present.has(name));
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object type';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input type';
  return 'scalar';
}

function hasFields(type: GraphQLNamedType): type is GraphQLObjectType | GraphQLInterfaceType {
  return isObjectType(type) || isInterfaceType(type);
}

function typeViolations(expected: GraphQLNamedType, actual: GraphQLNamedType | undefined) {
  const name = expected.name;
  if (actual === undefined) return [`${name}: ${kindOf(expected)} missing`];
  const kind = mismatch(name, 'kind', kindOf(actual), kindOf(expected));
  if (kind.length > 0) return kind;
  if (hasFields(expected) && hasFields(actual)) return fieldViolations(expected, actual);
  if (isInputObjectType(expected) && isInputObjectType(actual)) {
    const fields = (type: GraphQLInputObjectType) => Object.values(type.getFields());
    return inputValueViolations(
      'input field',
      (field) => `${name}.${field}`,
      fields(expected),
      fields(actual),
    );
  }
  if (isEnumType(expected) && isEnumType(actual)) {
    return missing(expected.getValues(), actual.getValues()).map(
      (value) => `${name}.${value}: enum value missing`,
    );
  }
  if (isUnionType(expected) && isUnionType(actual)) {
    return missing(expected.getTypes(), actual.getTypes()).map(
      (member) => `${name}: member ${member} missing`,
    );
  }
  return [];
}

function fieldViolations(
  expected: GraphQLObjectType | GraphQLInterfaceType,
  actual: GraphQLObjectType | GraphQLInterfaceType,
): string[] {
  const interfaces = missing(expected.getInterfaces(), actual.getInterfaces()).map(
    (name) => `${expected.name}: interface ${name} not implemented`,
  );
  const actualFields = actual.getFields();
  const fields = Object.values(expected.getFields()).flatMap((field) => {
    const at = `${expected.name}.${field.name}`;
    const found = actualFields[field.name];
    if (found === undefined) return [`${at}: field missing`];
    return [
      ...mismatch(at, 'type', String(found.type), String(field.type)),
      ...inputValueViolations('argument', (arg) => `${at}(${arg}:)`, field.args, found.args),
    ];
  });
  return [...interfaces, ...fields];
}

/** Arguments or input fields: the contract's must stay as they are, and added ones be optional. */
function inputValueViolations(
  what: 'argument' | 'input field',
  at: (name: string) => string,
  expected: readonly InputValue[],
  actual: readonly InputValue[],
): string[] {
  const actualByName = new Map(actual.map((value) => [value.name, value]));
  const changed = expected.flatMap((value) => {
    const found = actualByName.get(value.name);
    if (found === undefined) return [`${at(value.name)}: ${what} missing`];
    return [
      ...mismatch(at(value.name), 'type', String(found.type), String(value.type)),
      ...mismatch(at(value.name), 'default', printDefault(found), printDefault(value)),
    ];
  });
  const added = new Set(missing(actual, expected));
  const required = actual
    .filter((value) => added.has(value.name))
    .filter((value) => isNonNullType(value.type) && value.defaultValue === undefined)
    .map(
      (value) =>
        `${at(value.name)}: new ${what} is required (${value.type}); contract callers omit it`,
    );
  return [...changed, ...required];
}

function printDefault(value: InputValue): string {
  const ast = astFromValue(value.defaultValue, value.type);
  return ast ? print(ast) : 'none';
}
