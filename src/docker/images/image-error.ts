/**
 * Failures of image preparation. These happen at startup or in `npm run images`, never while serving an
 * API call, so they are not LambdaErrors: the composition root reports them and exits.
 */
export const IMAGE_ERROR_CODES = [
  'ImageBuildFailed',
  'ImagePullFailed',
  'BaseImageUnavailable',
  'HostBinaryMissing',
  'BuildContextInvalid',
] as const;

export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number];

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  /** The image tag being prepared. */
  readonly tag: string;
  /** Last lines of the Docker build or pull output, for diagnosis. */
  readonly logTail: readonly string[];

  constructor(
    code: ImageErrorCode,
    tag: string,
    message: string,
    options: { cause?: unknown; logTail?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImageError';
    this.code = code;
    this.tag = tag;
    this.logTail = options.logTail ?? [];
  }
}
