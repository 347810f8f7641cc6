/** One entry of a request's `tools` (type "function"), validated by the server. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** A JSON schema for the arguments object; absent means a function without parameters. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

/** `tool_choice`: "none", "auto", "required", or one named function. */
export type ToolChoice = "none" | "auto" | "required" | { name: string };
