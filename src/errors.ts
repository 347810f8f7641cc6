// Every error tsinfer raises on purpose is a TsinferError: the CLI prints its message on one line and exits non-zero.
export class TsinferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A model or data file that cannot be read as what it claims to be. Names the file and the offending key/tensor/value. */
export class FormatError extends TsinferError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Bad user input: a CLI option, a request field, a config value. */
export class InputError extends TsinferError {}

/**
 * The compute backend is in an unknown state (e.g. its worker pool died and could not be rebuilt): nothing more can
 * run on it. The engine fails every request and reports itself dead; a server must then exit rather than serve.
 */
export class BackendFailedError extends TsinferError {}
