export { ensureComposeBaseImages } from './build-standins.js';
export { ensureBaseImage, type BaseImageSource, type EnsureBaseImageOptions, type EnsuredBaseImage } from './base-images.js';
export { CONTEXT_HASH_LABEL } from './context-hash.js';
export {
  ensureRuntimeImages,
  MANAGED_LABEL,
  RUNTIME_FAMILY_LABEL,
  type EnsureRuntimeImagesOptions,
  type EnsuredRuntimeImage,
} from './image-builder.js';
export { ImageError, type ImageErrorCode } from './image-error.js';
export { ensureServiceImage, SERVICE_IMAGE_TAG, type EnsuredServiceImage } from './service-image.js';
export { RuntimeImageBuilds, type RuntimeImageBuildsOptions } from './runtime-image-builds.js';
export type { ImageLogger } from './image-logger.js';
export {
  getRuntimeImage,
  getRuntimeImageTag,
  isSupportedRuntime,
  RUNTIME_IMAGES,
  SUPPORTED_RUNTIMES,
  type RuntimeImageSpec,
  type SupportedRuntime,
} from './runtime-catalog.js';
export { COMPOSE_BASE_IMAGES, STANDIN_LABEL } from './standin-catalog.js';
