import { TsinferError } from "../../errors.js";

/**
 * An error raised while rendering a chat template. `pythonType` is the exception class Jinja2/Python would raise
 * (TemplateError for the template's own raise_exception, TypeError, UndefinedError, TemplateSyntaxError…), and the
 * message is the one Python would print, so `${pythonType}: ${message}` reads like the transformers traceback.
 */
export class ChatTemplateError extends TsinferError {
  constructor(
    readonly pythonType: string,
    message: string,
  ) {
    super(message);
  }
}

export const pyTypeError = (message: string): ChatTemplateError => new ChatTemplateError("TypeError", message);
