/** A demo step that cannot go on, with what to do about it: printed as is, exit code 3. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}
