/**
 * The JSON Schema of modelpress.config.json, generated from the validation schema
 * (src/document/settings.ts, zod) so editors complete and check the file as modelpress does.
 * `npm run schema` writes it to modelpress.config.schema.json (committed, shipped in the package);
 * test/cli/config-schema.test.ts fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { projectConfigSchema } from '../src/document/settings.js';

export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'modelpress.config.schema.json');

export function configJsonSchema(): string {
  const schema = zodToJsonSchema(projectConfigSchema, { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  const out = {
    $schema,
    title: 'modelpress.config.json',
    description: 'Project settings of modelpress (docs: README.md "Project config"). Front matter overrides them per document.',
    ...rest,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, configJsonSchema());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
