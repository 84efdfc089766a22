/**
 * Why one attached file was not read, in words for the person who attached it: "video is not supported". The file
 * is then named in the answer with this reason; the rest of the message is still answered.
 */
export class FileUnreadable extends Error {
  override readonly name = 'FileUnreadable';
  constructor(readonly reason: string) {
    super(reason);
  }
}
