import { Type } from 'typebox';
import { ApiError } from '../errors/api-error';
import { SchemaValidationError, validate } from './validate';

const Owner = Type.Object({
  email: Type.String({ format: 'email' }),
  name: Type.Optional(Type.String({ maxLength: 20 })),
  age: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  devices: Type.Optional(
    Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), jwks_uri: Type.String({ format: 'uri' }) })),
  ),
});

const failure = (schema: Parameters<typeof validate>[0], value: unknown): SchemaValidationError => {
  try {
    validate(schema, value);
  } catch (error) {
    if (error instanceof SchemaValidationError) return error;
    throw error;
  }
  throw new Error('expected a SchemaValidationError');
};

describe('validate', () => {
  it('returns a valid value as it is, typed', () => {
    const value = { email: 'a@b.example', devices: [{ id: 'd1', jwks_uri: 'https://d.example/jwks' }] };
    const owner = validate(Owner, value);
    expect(owner).toBe(value);
    expect(owner.email).toBe('a@b.example');
  });

  it('refuses an unknown field, naming it and the fields expected, although the schema does not say so', () => {
    const error = failure(Owner, { mail: 'a@b.example' });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.message).toBe("unknown field 'mail': expected email, name, age, status, devices (and 1 more)");
    expect(error.issues.map((issue) => issue.field)).toEqual(["unknown field 'mail'", 'email']);
    expect(error.issues).toContainEqual({ field: 'email', message: 'is required' });
  });

  it('refuses unknown fields in nested objects, naming where', () => {
    const error = failure(Owner, {
      email: 'a@b.example',
      devices: [{ id: 'd1', jwks_uri: 'https://d.example/jwks', jwks: {} }],
    });
    expect(error.message).toBe("unknown field 'jwks' in 'devices[0]': expected id, jwks_uri");
  });

  it.each([
    [{ email: 'not an address' }, "'email' must be an e-mail address"],
    [{ email: 'a@b.example', age: 1.5 }, "'age' must be an integer"],
    [{ email: 'a@b.example', age: -1 }, "'age' must be 0 or more"],
    [{ email: 'a@b.example', name: 'x'.repeat(21) }, "'name' must be at most 20 characters long"],
    [{ email: 'a@b.example', status: 'gone' }, "'status' must be one of 'active', 'disabled'"],
    [
      { email: 'a@b.example', devices: [{ id: '', jwks_uri: 'https://d.example/jwks' }] },
      "'devices[0].id' must be at least 1 character long",
    ],
    [
      { email: 'a@b.example', devices: [{ id: 'd', jwks_uri: 'not a uri' }] },
      "'devices[0].jwks_uri' must be an absolute URI",
    ],
    [{ email: 'a@b.example', devices: {} }, "'devices' must be an array"],
    [['a'], "'body' must be a JSON object"],
  ])('names the field and the expected format: %j', (value, message) => {
    expect(failure(Owner, value).message).toBe(message);
  });

  it('keeps an explicit additionalProperties of the schema', () => {
    const Open = Type.Object({ a: Type.String() }, { additionalProperties: true });
    expect(validate(Open, { a: 'x', b: 1 })).toEqual({ a: 'x', b: 1 });
  });

  it('does not change the schema it is given', () => {
    const schema = Type.Object({ a: Type.String() });
    validate(schema, { a: 'x' });
    expect('additionalProperties' in schema).toBe(false);
  });
});
