// What defines a resource kind: its group, served versions, scope and spec schema.
import type { Resource } from './resource.js';
import type { Ctx, Schema } from './schema.js';

export interface KindDef<S = unknown> {
  kind: string;
  /** API group; '' for the Kubernetes core group (apiVersion `v1`). */
  group: string;
  /** Versions served, newest first. */
  versions: readonly string[];
  namespaced: boolean;
  spec: Schema<S, boolean>;
  /** Kinds such as Namespace may omit spec. */
  specOptional?: boolean;
  /**
   * Kinds without a spec whose content sits at the top level (a Secret's type, data, stringData): these
   * fields are parsed together by `spec`, with their top-level paths, and a `spec` field is refused.
   */
  topLevelFields?: readonly string[];
  /** For such kinds: the top-level fields a store writes back for a validated spec (a Secret's data). */
  documentOf?: (spec: S) => Record<string, unknown> | undefined;
  /** Checks that need the whole resource (metadata too), run after the spec parsed. */
  check?: (resource: Resource<S>, ctx: Ctx) => void;
  /** One line for `trellis` docs and error hints. */
  description: string;
}

export function defineKind<S>(def: KindDef<S>): KindDef<S> {
  return def;
}

export function apiVersionsOf(def: KindDef): string[] {
  return def.versions.map((v) => (def.group === '' ? v : `${def.group}/${v}`));
}
