/** A startup step failed; the message names the dependency and where it was looked for, `cause` is the error. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}
