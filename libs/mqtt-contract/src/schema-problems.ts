import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** The JSON Schema keywords this module reads (the payload schemas use no others). */
interface SchemaView {
  type?: string;
  properties?: Record<string, SchemaView>;
  required?: string[];
  anyOf?: SchemaView[];
  not?: unknown;
  const?: unknown;
  title?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
}

/**
 * The first problem of a payload that failed its object schema, in the words of docs/protocol.md
 * §6.7 (`request_id is required`, `request exceeds 8192 characters`, `status is not a known
 * status`…). The schema decides what is valid; this only names what is not: members are looked at
 * in the schema's order, and the first one that fails its own schema is described. `subject` names
 * the message in the problem of a member it must not carry.
 * @example describeProblem(CancelSchema, { request_id: 7 }) // 'request_id must be a string'
 */
export function describeProblem(schema: TSchema, wire: Record<string, unknown>, subject = 'the message'): string {
  const view = schema as SchemaView;
  const required = new Set(view.required ?? []);
  for (const [name, member] of Object.entries(view.properties ?? {})) {
    if (!Object.hasOwn(wire, name)) {
      if (required.has(name)) return `${name} is required`;
      continue;
    }
    const value = wire[name];
    if (Value.Check(member as TSchema, value)) continue;
    if (member.not !== undefined) return `${subject} carries no ${name}`;
    return `${name} ${describeValue(member, value)}`;
  }
  return 'invalid message';
}

function describeValue(schema: SchemaView, value: unknown): string {
  if (schema.anyOf) {
    if (schema.anyOf.every((branch) => branch.const !== undefined)) return `is not a known ${schema.title ?? 'value'}`;
    // a nullable member: describe the value against the branch of its own JSON type
    const branch = schema.anyOf.find((b) => b.type === jsonType(value)) ?? schema.anyOf.find((b) => b.type !== 'null');
    return branch ? describeValue(branch, value) : 'is invalid';
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (value.length < (schema.minLength ?? 0)) return 'must not be empty';
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        return `exceeds ${schema.maxLength} characters`;
      }
      return 'is malformed';
    case 'integer':
      return schema.minimum === 1 ? 'must be a positive integer' : 'must be an integer';
    default:
      return 'is invalid';
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
