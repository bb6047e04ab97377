import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import Ajv, { type ValidateFunction } from 'ajv';

/** docs/asyncapi.yaml, as committed. */
export const ASYNCAPI_PATH = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

/** One channel of the document, ready to check real messages with. */
export interface ChannelCheck {
  id: string;
  address: string;
  /** Matches the concrete topics of the channel (`{deviceId}` filled in). */
  topic: RegExp;
  contentType: string;
  /** The MQTT payload's schema: the JSON object, or the JWE string of a sealed payload. */
  payload: ValidateFunction;
  /** For a sealed payload, the schema of the JSON inside it (`x-plaintext`). */
  plaintext?: ValidateFunction;
  /** The message's examples. */
  examples: unknown[];
}

/** Parses the committed document with @asyncapi/parser, failing on any error or warning. */
export async function parseAsyncApi(): Promise<{
  document: AsyncAPIDocumentInterface;
  diagnostics: Array<{ severity: number; code: string | number; message: string }>;
}> {
  const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
  if (!document) throw new Error(`docs/asyncapi.yaml does not parse: ${JSON.stringify(diagnostics)}`);
  return { document, diagnostics };
}

/** Every channel with compiled validators (ajv) of its message's payload schemas. */
export function channelChecks(document: AsyncAPIDocumentInterface): ChannelCheck[] {
  // strict off: the parser marks schemas with its own x-parser-* keys
  const ajv = new Ajv({ strict: false, allErrors: true });
  return document
    .channels()
    .all()
    .map((channel) => {
      const [message] = channel.messages().all();
      const address = channel.address() as string;
      const plaintext = message.extensions().get('x-plaintext')?.value() as object | undefined;
      return {
        id: channel.id(),
        address,
        topic: new RegExp(`^${address.replace('{deviceId}', '[A-Za-z0-9][A-Za-z0-9_-]{0,63}')}$`),
        contentType: message.contentType() ?? document.defaultContentType() ?? 'application/json',
        payload: ajv.compile(message.payload()!.json() as object),
        ...(plaintext ? { plaintext: ajv.compile(plaintext) } : {}),
        examples: message
          .examples()
          .all()
          .map((example) => example.payload()),
      };
    });
}

/** ajv's errors in one line. */
export function problems(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}
