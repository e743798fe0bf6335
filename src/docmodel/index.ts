/** The document model shared by document/, render/ and export/ (see types.ts and output.ts). */
export * from './types.js';
export * from './output.js';
export * from './title.js';
