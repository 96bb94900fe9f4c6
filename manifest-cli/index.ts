/** The Node API of DeployNet (dist/index.js), for build tools: the same operations as the CLI. */
export { buildSite, DEFAULT_EXPIRES, type BuildSiteOptions, type BuildSiteResult } from './build-site.js';
export { verifySite, type VerifyProblem, type VerifySiteOptions, type VerifySiteResult } from './verify-site.js';
export {
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  type GeneratedKeyPair,
  type PrivateKeyInfo,
  type PublicKeyInfo,
} from './keys.js';
export { serveSite, type ServeSiteOptions, type ServedSite } from './serve.js';
export { nodeCrypto } from './node-crypto.js';
export { injectScriptTag, injectScriptTagIntoFile, SCRIPT_TAG } from './inject.js';
export { hashSite, type HashProgress, type HashSiteOptions, type HashedSite } from './hash-site.js';
export { parseDuration } from './duration.js';
export { startSignalNode, type SignalNode, type SignalOptions } from '../signal/index.js';
export { DeployNetError, isDeployNetError, type ErrorCode } from '../core/errors.js';
export {
  readProjectConfig,
  parseProjectConfig,
  PROJECT_CONFIG_FILE,
  SIGNAL_NODE_FIELDS,
  type ProjectConfig,
  type ProjectSignalNodeOptions,
} from './project-config.js';
export { buildSiteOptionsFromConfig, type BuildSiteOverrides } from './project-build-options.js';
export { initProject, type InitProjectOptions, type InitProjectResult } from './init.js';
export type { NpmScriptStatus } from './init-files.js';
