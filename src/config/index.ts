/** The configuration room: load once at start-up, pass the frozen object down. */
export { loadConfig, configFileArgument, findAppRoot, type LoadConfigOptions, type Env } from './load';
export { redactedConfig, printConfig, REDACTED } from './redact';
export { configReference } from './reference';
export { schema, schemaLeaves, sensitiveKeys, type SchemaLeaf } from './schema';
export * from './types';
