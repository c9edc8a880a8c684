export type { Config, LogFormat, LogLevel } from './config.js';
export { CONFIG_KEYS, limitsFromConfig, loadConfig, unknownConfigNames } from './load-config.js';
