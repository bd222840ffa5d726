/** Browser build of `#media-store`: there is no data directory in a browser (media go to the StorageBackend). */
import { InvalidArgumentError } from '../errors.ts'
import type { MediaStore } from './types.ts'

export async function openDirMediaStore (_dir: string): Promise<MediaStore> {
  throw new InvalidArgumentError('a media directory exists only on Node; give ChatInit.storage or mediaStore')
}
