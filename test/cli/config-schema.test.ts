// modelpress.config.schema.json is generated from the zod schema that validates the config
// (scripts/config-schema.ts); this fails when the committed file is stale: run `npm run schema`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, SCHEMA_FILE } from '../../scripts/config-schema.js';
import { projectConfigSchema } from '../../src/document/settings.js';

describe('modelpress.config.schema.json', () => {
  it('is up to date with the validation schema (else: npm run schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(configJsonSchema());
  });

  it('lists exactly the keys the config accepts, closed like the validator, with their ranges', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {
      additionalProperties: boolean;
      properties: Record<string, { type?: string; enum?: string[]; exclusiveMinimum?: number; additionalProperties?: boolean }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(projectConfigSchema.shape).sort());
    expect(schema.additionalProperties).toBe(false); // a misspelt key is flagged in the editor as by modelpress
    expect(schema.properties.batch).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(schema.properties.convention?.enum).toEqual(projectConfigSchema.shape.convention.unwrap().options);
    expect(schema.properties.format?.additionalProperties).toBe(false);
    // `$schema` itself is allowed, so the file can point at this schema.
    expect(projectConfigSchema.safeParse({ $schema: './node_modules/modelpress/modelpress.config.schema.json', batch: 2 }).success).toBe(true);
  });
});
