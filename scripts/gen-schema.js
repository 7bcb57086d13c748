// Writes schema/bgp-healthcheck.schema.json from the built zod definition: run `npm run build` first.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { configJsonSchemaText } from '../dist/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/bgp-healthcheck.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
