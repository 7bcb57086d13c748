// The published JSON Schema of the YAML config, generated from the same zod definition the loader uses.
import { z } from 'zod';
import { configSchema } from './yaml-schema.js';

/** The JSON Schema (draft 2020-12) of the input a YAML file may hold. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}

/** The schema file's text, as committed under schema/. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
