import {
  type FieldNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  getArgumentValues,
  isObjectType,
  Kind,
  type SelectionNode,
} from 'graphql';
import type { Context } from '../context.js';
import { orNull } from '../loaders/index.js';
import { validateRepository } from '../registry/reference.js';
import type { RepositoryShape } from './refs.js';

/** A field selected on a Repository, with its definition. */
interface Selected {
  node: FieldNode;
  field: GraphQLField<unknown, unknown>;
}

/** The fields selected directly on the resolved field's object (through fragments too, each once). */
function selectedFields(info: GraphQLResolveInfo): Selected[] {
  const type = info.schema.getType('Repository');
  if (!isObjectType(type)) return [];
  const fields = type.getFields();
  const seen = new Set<string>();
  const found: Selected[] = [];
  const collect = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fields[selection.name.value];
        if (field) found.push({ node: selection, field });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet.selections);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        collect(info.fragments[selection.name.value]?.selectionSet.selections ?? []);
      }
    }
  };
  for (const node of info.fieldNodes) collect(node.selectionSet?.selections ?? []);
  return found;
}

/** True when the field's selection includes `field` at any depth (through fragments too). */
function selects(info: GraphQLResolveInfo, field: string): boolean {
  const seen = new Set<string>();
  const search = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) {
        return selection.name.value === field || search(selection.selectionSet?.selections ?? []);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return search(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      if (!fragment || seen.has(fragment.name.value)) return false;
      seen.add(fragment.name.value);
      return search(fragment.selectionSet.selections);
    });
  return info.fieldNodes.some((node) => search(node.selectionSet?.selections ?? []));
}

/**
 * What the fields below a repository will read of it anyway (each a loader call they share): a
 * manifest or tag, a blob, the tag list. Each resolves to whether it found its object.
 */
function reads(context: Context, name: string, info: GraphQLResolveInfo): Promise<boolean>[] {
  const { loaders } = context;
  const found = (load: Promise<unknown>) =>
    // a failure is the field's own to answer; here it only says nothing of the repository
    orNull(load).then(
      (value) => value !== null,
      () => false,
    );
  const probes = selectedFields(info).flatMap(({ node, field }) => {
    if (!['manifest', 'tag', 'blob'].includes(field.name)) return [];
    const args = getArgumentValues(field, node, info.variableValues);
    if (field.name === 'blob') {
      return [found(loaders.blob.load({ repository: name, digest: String(args.digest) }))];
    }
    const reference = String(field.name === 'tag' ? args.name : args.reference);
    return [found(loaders.manifest.load({ repository: name, reference }))];
  });
  // below it, a tag list (Repository.tags, Manifest.tags) reads the whole list once
  if (selects(info, 'tags')) probes.push(found(loaders.tags.load(name)));
  return probes;
}

/**
 * The repository, or null when the registry does not know it. A repository exists when it has a
 * tag list or the catalog lists it (one that holds only blobs, after a first upload, or whose
 * every tag was deleted). When what the fields below it read anyway finds something (`info`
 * says what they read: a manifest, a tag, a blob, the tag list), that answers without a request
 * of its own; otherwise one tag-list page of one name does, and the catalog when it has none.
 */
export async function findRepository(
  context: Context,
  name: string,
  info?: GraphQLResolveInfo,
): Promise<RepositoryShape | null> {
  validateRepository(name);
  const probes = info ? reads(context, name, info) : [];
  if (probes.length && (await Promise.all(probes)).includes(true)) return { name };
  return (await context.loaders.exists.load(name)) ? { name } : null;
}
