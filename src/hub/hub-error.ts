import { TsinferError } from "../errors.js";

/** A pull, a cache lookup or a cache removal that cannot be done; the message names the repository, file or setting. */
export class HubError extends TsinferError {}
