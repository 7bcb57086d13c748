// Writes schema/bgp-healthcheck.schema.json from the built zod definition: run `npm run build` first.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from '../dist/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/bgp-healthcheck.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
console.log(`wrote ${target}`);
