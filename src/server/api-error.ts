import { TsinferError } from "../errors.js";

export type ApiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "rate_limit_error" | "server_error" | "overloaded_error";

/** An error answered in OpenAI's shape: `{error: {message, type, param, code}}` with an HTTP status. */
export class ApiError extends TsinferError {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Seconds for a Retry-After header (429/503). */
    readonly retryAfterSec: number | null = null,
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 about one request field. */
export function badField(param: string, message: string, code: string | null = "invalid_value"): ApiError {
  return new ApiError(400, `${param}: ${message}`, "invalid_request_error", param, code);
}
