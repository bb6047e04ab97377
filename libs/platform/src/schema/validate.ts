import { Compile, type Validator } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import { ApiError } from '../errors/api-error';

/** One way a value failed its schema: where (`email`, `devices[2].jwks`) and what was expected. */
export interface SchemaIssue {
  /** The field, as a caller writes it; `body` for the value itself. */
  field: string;
  /** What was wrong and what was expected, in words: `must be an e-mail address`. */
  message: string;
}

/**
 * A value did not match its schema: `invalid_request` (RFC 6749 §5.2's code for a malformed
 * request) naming the first field at fault and what it expected; every issue is in `issues`.
 */
export class SchemaValidationError extends ApiError {
  readonly code = 'invalid_request';
  constructor(readonly issues: readonly SchemaIssue[]) {
    super(
      issues.length === 0
        ? 'body does not match its schema'
        : `${describe(issues[0])}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
    );
  }
}

function describe(issue: SchemaIssue): string {
  return issue.field.startsWith('unknown field') ? issue.field + issue.message : `'${issue.field}' ${issue.message}`;
}

/** Words for the string formats a schema may name. */
const FORMATS: Record<string, string> = {
  email: 'an e-mail address',
  uri: 'an absolute URI',
  url: 'a URL',
  uuid: 'a UUID',
  'date-time': 'an RFC 3339 date-time',
  date: 'an RFC 3339 date',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  hostname: 'a host name',
};

const TYPES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

/** `/devices/2/jwks` → `devices[2].jwks`; `` → `body`. */
function fieldOf(instancePath: string): string {
  if (instancePath === '') return 'body';
  let out = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

/** The sub-schema a `#/properties/x/anyOf/0` pointer names. */
function at(schema: unknown, pointer: string): Record<string, unknown> | undefined {
  let node = schema as Record<string, unknown> | undefined;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')] as Record<string, unknown> | undefined;
  }
  return node;
}

const plural = (count: unknown, noun: string) => `${String(count)} ${noun}${count === 1 ? '' : 's'}`;
const quote = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

interface TypeBoxError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function issuesOf(schema: TSchema, errors: TypeBoxError[]): SchemaIssue[] {
  // An anyOf is reported once, as the list of what it accepts, not once per branch.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/anyOf/`);
  const issues: SchemaIssue[] = [];
  for (const error of errors) {
    if (anyOfPaths.some((path) => error.schemaPath.startsWith(path))) continue;
    // `additionalProperties: false` also reports each extra field as "schema is false".
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) continue;
    const node = at(schema, error.schemaPath) ?? {};
    const field = fieldOf(error.instancePath);
    const p = error.params;
    switch (error.keyword) {
      case 'additionalProperties': {
        const known = Object.keys((node.properties as Record<string, unknown> | undefined) ?? {});
        const where = field === 'body' ? '' : ` in '${field}'`;
        const takes = known.length === 0 ? 'no fields are expected' : `expected ${known.join(', ')}`;
        for (const name of (p.additionalProperties as string[] | undefined) ?? []) {
          issues.push({ field: `unknown field '${name.slice(0, 64)}'${where}`, message: `: ${takes}` });
        }
        break;
      }
      case 'required':
        for (const name of (p.requiredProperties as string[] | undefined) ?? []) {
          const path = field === 'body' ? name : `${field}.${name}`;
          issues.push({ field: path, message: 'is required' });
        }
        break;
      case 'type': {
        const types = ([] as unknown[]).concat(p.type);
        issues.push({ field, message: `must be ${types.map((t) => TYPES[String(t)] ?? String(t)).join(' or ')}` });
        break;
      }
      case 'format':
        issues.push({ field, message: `must be ${FORMATS[String(p.format)] ?? `in the ${String(p.format)} format`}` });
        break;
      case 'anyOf': {
        const branches = (node.anyOf as Array<Record<string, unknown>> | undefined) ?? [];
        const consts = branches.every((b) => 'const' in b) ? branches.map((b) => quote(b.const)) : undefined;
        issues.push({
          field,
          message: consts ? `must be one of ${consts.join(', ')}` : 'matches none of the allowed forms',
        });
        break;
      }
      case 'enum':
        issues.push({ field, message: `must be one of ${((node.enum as unknown[]) ?? []).map(quote).join(', ')}` });
        break;
      case 'const':
        issues.push({ field, message: `must be ${quote(node.const)}` });
        break;
      case 'minLength':
        issues.push({ field, message: `must be at least ${plural(p.limit, 'character')} long` });
        break;
      case 'maxLength':
        issues.push({ field, message: `must be at most ${plural(p.limit, 'character')} long` });
        break;
      case 'minItems':
        issues.push({ field, message: `must hold at least ${plural(p.limit, 'item')}` });
        break;
      case 'maxItems':
        issues.push({ field, message: `must hold at most ${plural(p.limit, 'item')}` });
        break;
      case 'minimum':
        issues.push({ field, message: `must be ${String(p.limit)} or more` });
        break;
      case 'maximum':
        issues.push({ field, message: `must be ${String(p.limit)} or less` });
        break;
      case 'pattern':
        issues.push({ field, message: `must match ${String(node.pattern ?? p.pattern)}` });
        break;
      default:
        issues.push({ field, message: error.message });
    }
  }
  // A misspelt field also leaves a required one missing: the unknown one is the cause, named first.
  return [
    ...issues.filter((issue) => issue.field.startsWith('unknown field')),
    ...issues.filter((issue) => !issue.field.startsWith('unknown field')),
  ];
}

/**
 * A copy of `schema` in which every object that lists its properties and says nothing about
 * others refuses them (`additionalProperties: false`): a misspelt field is an error, not a
 * silently dropped value (`{"mail": …}` must not create an owner without an e-mail address).
 */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` and `$defs` are maps of names to schemas; `const`, `default` and `examples` are data.
    if (key === 'const' || key === 'default' || key === 'examples' || key === 'enum') out[key] = value;
    else if ((key === 'properties' || key === '$defs') && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strict(sub)]));
    } else out[key] = strict(value);
  }
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

const validators = new WeakMap<TSchema, { schema: TSchema; validator: Validator }>();

function compiled(schema: TSchema) {
  let hit = validators.get(schema);
  if (!hit) {
    const strictSchema = strict(schema) as TSchema;
    hit = { schema: strictSchema, validator: Compile(strictSchema) as unknown as Validator };
    validators.set(schema, hit);
  }
  return hit;
}

/**
 * Checks `value` against a TypeBox (JSON Schema) `schema` and returns it typed. Fields the
 * schema does not declare are refused (objects are checked as `additionalProperties: false`
 * unless the schema says otherwise); a failure throws {@link SchemaValidationError}
 * (`invalid_request`) whose message names the field and what was expected. The compiled
 * check is kept per schema.
 *
 * @example
 * const CreateOwner = Type.Object({ email: Type.String({ format: 'email' }), name: Type.Optional(Type.String()) });
 * const body = validate(CreateOwner, JSON.parse(raw)); // typed { email: string; name?: string }
 * // {"mail": "a@b.example"} → invalid_request: unknown field 'mail': expected email, name
 * // {"email": "nope"}       → invalid_request: 'email' must be an e-mail address
 */
export function validate<S extends TSchema>(schema: S, value: unknown): Static<S> {
  const { schema: strictSchema, validator } = compiled(schema);
  if (validator.Check(value)) return value as Static<S>;
  throw new SchemaValidationError(issuesOf(strictSchema, [...validator.Errors(value)] as unknown as TypeBoxError[]));
}
