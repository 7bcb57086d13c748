import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';

const committed = new URL('../../schema/bgp-healthcheck.schema.json', import.meta.url);

describe('the published JSON Schema', () => {
  it('equals the schema generated from the zod definition (regenerate with npm run build && node scripts/gen-schema.js)', () => {
    // Compared as JSON, so formatting the file does not matter.
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(JSON.parse(configJsonSchemaText()));
  });

  it('describes closed objects so editors flag unknown keys', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      properties: {
        services: { items: { additionalProperties: boolean; properties: Record<string, unknown> } };
      };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['services']);
    expect(schema.properties.services.items.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.services.items.properties)).toEqual([
      'name',
      'routes',
      'timing',
      'disable',
      'hooks',
      'checks',
      'policy',
      'drain',
    ]);
  });
});
