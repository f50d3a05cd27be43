import { serviceError } from '../../shared/errors.js';

/**
 * A Redis command's answer; a Redis that failed or did not answer within the client's `commandTimeout`
 * becomes the ServiceException (500) AWS answers when its backend fails.
 */
export async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw serviceError(error);
  }
}
