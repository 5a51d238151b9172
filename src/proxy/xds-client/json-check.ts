// Checks a plain JSON/YAML object against an Envoy message schema before proto3 JSON decoding, so unknown
// or misspelt fields, wrong value types and unknown Any types are reported with their field path (and a
// "did you mean" hint) instead of one opaque decode error.
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type Registry,
  ScalarType,
} from '@bufbuild/protobuf';
import { childPath, type FieldError } from '../../common/result.js';
import { typeNameOfUrl } from './registry.js';

const WRAPPER_SCALARS: Record<string, ScalarType> = {
  'google.protobuf.DoubleValue': ScalarType.DOUBLE,
  'google.protobuf.FloatValue': ScalarType.FLOAT,
  'google.protobuf.Int64Value': ScalarType.INT64,
  'google.protobuf.UInt64Value': ScalarType.UINT64,
  'google.protobuf.Int32Value': ScalarType.INT32,
  'google.protobuf.UInt32Value': ScalarType.UINT32,
  'google.protobuf.BoolValue': ScalarType.BOOL,
  'google.protobuf.StringValue': ScalarType.STRING,
  'google.protobuf.BytesValue': ScalarType.BYTES,
};

/** Well-known types whose JSON form is not an object of their fields; their own syntax is checked or free. */
const FREE_FORM = new Set([
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Empty',
]);

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function suggestion(key: string, schema: DescMessage): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const f of schema.fields) {
    for (const candidate of [f.name, f.jsonName]) {
      const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
      if (d < bestDistance) {
        bestDistance = d;
        best = f.name;
      }
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4))
    ? ` (did you mean "${best}"?)`
    : '';
}

function typeOf(v: unknown): string {
  return v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'an object'
        : `${typeof v} ${JSON.stringify(v)}`;
}

export class JsonChecker {
  readonly errors: FieldError[] = [];

  constructor(private readonly registry: Registry) {}

  private error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  private scalar(t: ScalarType, v: unknown, path: string): void {
    switch (t) {
      case ScalarType.BOOL:
        if (typeof v !== 'boolean') this.error(path, `expected true or false, got ${typeOf(v)}`);
        return;
      case ScalarType.STRING:
      case ScalarType.BYTES:
        if (typeof v !== 'string') this.error(path, `expected a string, got ${typeOf(v)}`);
        return;
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        if (
          typeof v !== 'number' &&
          !(typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
        ) {
          this.error(path, `expected a number, got ${typeOf(v)}`);
        }
        return;
      default: {
        const n =
          typeof v === 'number'
            ? v
            : typeof v === 'string' && /^-?\d+$/.test(v.trim())
              ? Number(v)
              : Number.NaN;
        if (!Number.isInteger(n)) this.error(path, `expected an integer, got ${typeOf(v)}`);
        else if (
          n < 0 &&
          (t === ScalarType.UINT32 ||
            t === ScalarType.UINT64 ||
            t === ScalarType.FIXED32 ||
            t === ScalarType.FIXED64)
        ) {
          this.error(path, `expected a non-negative integer, got ${n}`);
        }
      }
    }
  }

  private enumValue(e: DescEnum, v: unknown, path: string): void {
    if (typeof v === 'number' && Number.isInteger(v)) return;
    if (typeof v === 'string' && e.values.some((x) => x.name === v)) return;
    const names = e.values.map((x) => x.name).join(', ');
    this.error(path, `expected one of ${names}, got ${typeOf(v)}`);
  }

  /** Checks `value` against `schema`, reporting problems under `path`. */
  message(schema: DescMessage, value: unknown, path: string): void {
    if (value === null) return;
    const wrapped = WRAPPER_SCALARS[schema.typeName];
    if (wrapped !== undefined) {
      this.scalar(wrapped, value, path);
      return;
    }
    if (FREE_FORM.has(schema.typeName)) return;
    if (schema.typeName === 'google.protobuf.Duration') {
      if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
        this.error(path, `expected a duration such as "1.5s", got ${typeOf(value)}`);
      }
      return;
    }
    if (schema.typeName.startsWith('google.protobuf.') && schema.typeName !== 'google.protobuf.Any') return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.error(path, `expected an object, got ${typeOf(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    if (schema.typeName === 'google.protobuf.Any') {
      this.any(obj, path);
      return;
    }
    this.fields(schema, obj, path, new Set());
  }

  private any(obj: Record<string, unknown>, path: string): void {
    const typeUrl = obj['@type'];
    if (typeof typeUrl !== 'string' || typeUrl === '') {
      this.error(childPath(path, '@type'), 'required');
      return;
    }
    const inner = this.registry.getMessage(typeNameOfUrl(typeUrl));
    if (inner === undefined) {
      this.error(childPath(path, '@type'), `unknown type ${typeUrl} (not supported by Trellis)`);
      return;
    }
    // Well-known types inside an Any carry their JSON under "value".
    if (inner.typeName.startsWith('google.protobuf.') && inner.typeName !== 'google.protobuf.Any') {
      this.message(inner, obj.value, childPath(path, 'value'));
      return;
    }
    this.fields(inner, obj, path, new Set(['@type']));
  }

  private fields(schema: DescMessage, obj: Record<string, unknown>, path: string, skip: Set<string>): void {
    const seenOneofs = new Map<string, string>();
    for (const [key, v] of Object.entries(obj)) {
      if (skip.has(key)) continue;
      const field = schema.fields.find((f) => f.name === key || f.jsonName === key);
      if (field === undefined) {
        this.error(childPath(path, key), `unknown field in ${schema.typeName}${suggestion(key, schema)}`);
        continue;
      }
      const fp = childPath(path, field.name);
      if (field.oneof !== undefined && v !== null) {
        const other = seenOneofs.get(field.oneof.name);
        if (other !== undefined) this.error(fp, `only one of ${other} and ${field.name} may be set`);
        seenOneofs.set(field.oneof.name, field.name);
      }
      this.field(field, v, fp);
    }
  }

  private field(field: DescField, v: unknown, path: string): void {
    if (v === null) return;
    switch (field.fieldKind) {
      case 'scalar':
        this.scalar(field.scalar, v, path);
        return;
      case 'enum':
        this.enumValue(field.enum, v, path);
        return;
      case 'message':
        this.message(field.message, v, path);
        return;
      case 'list':
        if (!Array.isArray(v)) {
          this.error(path, `expected a list, got ${typeOf(v)}`);
          return;
        }
        v.forEach((item, i) => {
          const ip = childPath(path, i);
          if (field.listKind === 'message') this.message(field.message, item, ip);
          else if (field.listKind === 'enum') this.enumValue(field.enum, item, ip);
          else this.scalar(field.scalar, item, ip);
        });
        return;
      case 'map':
        if (typeof v !== 'object' || Array.isArray(v)) {
          this.error(path, `expected an object, got ${typeOf(v)}`);
          return;
        }
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          const ip = childPath(path, k);
          if (field.mapKind === 'message') this.message(field.message, item, ip);
          else if (field.mapKind === 'enum') this.enumValue(field.enum, item, ip);
          else this.scalar(field.scalar, item, ip);
        }
    }
  }
}
