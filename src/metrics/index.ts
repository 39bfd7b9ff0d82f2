export * from './catalog';
export * from './events';
