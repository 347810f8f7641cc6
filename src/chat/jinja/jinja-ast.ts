// The shapes of @huggingface/jinja's AST nodes that the Python-semantics layer reads (the package does not export them).
import type { JinjaValue } from "./jinja-values.js";

export interface AstNode {
  type: string;
}
export interface IdentifierNode extends AstNode {
  value: string;
}
export interface CallNode extends AstNode {
  callee: AstNode;
  args: AstNode[];
}
export interface BinaryNode extends AstNode {
  operator: { value: string };
  left: AstNode;
  right: AstNode;
}
export interface MemberNode extends AstNode {
  object: AstNode;
  property: AstNode;
  computed: boolean;
}
export interface TestNode extends AstNode {
  operand: AstNode;
  negate: boolean;
  test: IdentifierNode;
}
export interface DictNode extends AstNode {
  value: Map<AstNode, AstNode>;
}
export interface ForNode extends AstNode {
  iterable: AstNode;
}
export interface SelectNode extends AstNode {
  lhs: AstNode;
  test: AstNode;
}
/** A node of our own: an already evaluated value, so a wrapped library method does not evaluate an operand twice. */
export interface ValueNode extends AstNode {
  type: "PyValue";
  value: JinjaValue;
}

export const valueNode = (value: JinjaValue): ValueNode => ({ type: "PyValue", value });

/** The text of a simple expression, for error messages ("'functions' is undefined"). */
export function describeNode(node: AstNode): string | undefined {
  if (node.type === "Identifier") return (node as IdentifierNode).value;
  return undefined;
}
