// The published JSON Schema of the YAML config, generated from the same zod definition the loader uses.
import { z } from 'zod';
import { configSchema } from './yaml-schema.js';

/** The JSON Schema (draft 2020-12) of the input a YAML file may hold. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    // zod leaves out the documented default of a value it transforms (a duration, say): put it back.
    override: ({ zodSchema, jsonSchema }) => {
      const meta = z.globalRegistry.get(zodSchema);
      if (meta?.default !== undefined && jsonSchema.default === undefined)
        jsonSchema.default = meta.default;
    },
  });
}

/** The schema file's text, as committed under schema/. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
