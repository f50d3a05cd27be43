/** The slice of a pino logger that image preparation uses. */
export interface ImageLogger {
  info(obj: object, msg?: string): void;
}

export const silentImageLogger: ImageLogger = { info: () => undefined };
