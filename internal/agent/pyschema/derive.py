# Derives a tool's JSON schema from Python source, statically (the source
# is parsed with ast, never executed). Reads the source on stdin and writes
# one JSON object on stdout: {"schema": {...}} or {"error": "..."}.
import ast
import json
import sys

SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
SKIPPED = ("self", "agent_state")
SECTIONS = {
    "args": "args", "arguments": "args", "parameters": "args", "params": "args",
    "returns": "returns", "return": "returns", "yields": "returns",
    "raises": "raises", "exceptions": "raises",
    "examples": "examples", "example": "examples",
    "note": "other", "notes": "other", "attributes": "other", "see also": "other",
}


class SchemaError(Exception):
    pass


def name_of(node):
    """typing.List / List / list -> "List"/"list"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def sub_args(node):
    s = node.slice
    if isinstance(s, ast.Tuple):
        return list(s.elts)
    return [s]


def is_none(node):
    return isinstance(node, ast.Constant) and node.value is None or (isinstance(node, ast.Name) and node.id == "None")


def union_members(node):
    """Members of Optional[T], Union[...] or T | U, else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return (union_members(node.left) or [node.left]) + (union_members(node.right) or [node.right])
    if isinstance(node, ast.Subscript):
        n = name_of(node.value)
        if n == "Optional":
            return sub_args(node) + [ast.Constant(value=None)]
        if n == "Union":
            return sub_args(node)
    return None


def is_optional(node):
    node = unquote(node)
    members = union_members(node)
    return members is not None and any(is_none(m) for m in members)


def unquote(node):
    """A string annotation ("List[int]") is parsed as the expression it holds."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value, mode="eval").body
        except SyntaxError:
            raise SchemaError(f"annotation {node.value!r} is not a valid type expression")
    return node


def to_schema(node):
    node = unquote(node)
    text = ast.unparse(node)
    members = union_members(node)
    if members is not None:
        rest = [m for m in members if not is_none(m)]
        if len(rest) != 1:
            raise SchemaError(f"union type {text} is not supported: use one type, or Optional[T]")
        return to_schema(rest[0])
    if isinstance(node, (ast.Name, ast.Attribute)):
        n = name_of(node)
        if n in SCALARS:
            return {"type": SCALARS[n]}
        if n in ("list", "List"):
            return {"type": "array", "items": {"type": "string"}}
        if n in ("dict", "Dict"):
            return {"type": "object"}
        if n in ("tuple", "Tuple"):
            return {"type": "array"}
        raise SchemaError(f"type {text} has no JSON schema equivalent")
    if isinstance(node, ast.Subscript):
        n = name_of(node.value)
        args = sub_args(node)
        if n in ("list", "List", "Sequence"):
            return {"type": "array", "items": to_schema(args[0])}
        if n == "Literal":
            values = []
            for a in args:
                if not isinstance(a, ast.Constant) or a.value is None:
                    raise SchemaError(f"Literal values must be constants in {text}")
                values.append(a.value)
            kinds = {type(v) for v in values}
            if kinds == {str}:
                return {"type": "string", "enum": values}
            if kinds == {int}:
                return {"type": "integer", "enum": values}
            if kinds == {bool}:
                return {"type": "boolean", "enum": values}
            if kinds <= {int, float}:
                return {"type": "number", "enum": values}
            raise SchemaError(f"Literal values in {text} must all be of one type")
        if n in ("tuple", "Tuple"):
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                return {"type": "array", "items": to_schema(args[0])}
            items = [to_schema(a) for a in args]
            return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
        if n in ("dict", "Dict"):
            raise SchemaError(f"typed dict {text} is not supported: annotate the parameter as plain dict")
    raise SchemaError(f"type {text} has no JSON schema equivalent")


def parse_docstring(doc):
    """A Google-style docstring -> (short, long, {param: description}, examples)."""
    lines = doc.expandtabs().splitlines()
    # Dedent everything after the first line (inspect.cleandoc's rule).
    lines = [lines[0].strip()] + lines[1:] if lines else []
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()]
    cut = min(indents) if indents else 0
    lines = [lines[0]] + [l[cut:] for l in lines[1:]] if lines else []
    while lines and not lines[0].strip():
        lines.pop(0)
    head, sections, current = [], {}, None
    for line in lines:
        key = line.strip().rstrip(":").lower()
        if line and not line[0].isspace() and line.strip().endswith(":") and key in SECTIONS:
            current = SECTIONS[key]
            sections.setdefault(current, [])
            if current == "examples":
                sections[current].append(line.rstrip())
            continue
        if current is None:
            head.append(line.rstrip())
        else:
            sections[current].append(line.rstrip())
    text = "\n".join(head).strip()
    short, _, long = text.partition("\n")
    params = {}
    body = [l for l in sections.get("args", [])]
    if body:
        indents = [len(l) - len(l.lstrip()) for l in body if l.strip()]
        base = min(indents) if indents else 0
        name = None
        for line in body:
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if indent == base and ":" in line:
                left, _, desc = line.strip().partition(":")
                name = left.split("(")[0].strip().lstrip("*")
                params[name] = desc.strip()
            elif name is not None:
                params[name] = (params[name] + " " + line.strip()).strip()
    examples = "\n".join(sections.get("examples", [])).strip()
    return short.strip(), long.strip(), params, examples


def derive(source):
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise SchemaError(f"source_code is not valid Python: SyntaxError: {e.msg} (line {e.lineno})")
    funcs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not funcs:
        raise SchemaError("source_code defines no function: a tool is the last top-level def in it")
    fn = funcs[-1]
    doc = ast.get_docstring(fn, clean=False)
    if not doc or not doc.strip():
        raise SchemaError(f"function {fn.name} has no docstring: add a Google-style docstring with a summary and an Args section")
    short, long, docs, examples = parse_docstring(doc)
    if short and long:
        description = f"{short}\n\n{long}"
    else:
        description = short or long or "No description available"
    if examples and "Examples:" not in description:
        description = f"{description}\n\n{examples}"
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
    properties, required = {}, []
    for arg, default in params:
        if arg.arg in SKIPPED:
            continue
        if arg.annotation is None:
            raise SchemaError(f"Parameter '{arg.arg}' in function '{fn.name}' lacks a type annotation")
        if not docs.get(arg.arg):
            raise SchemaError(f"Parameter '{arg.arg}' in function '{fn.name}' lacks a description in the docstring")
        prop = to_schema(arg.annotation)
        prop["description"] = docs[arg.arg]
        properties[arg.arg] = prop
        if default is None and not is_optional(arg.annotation):
            required.append(arg.arg)
    if a.vararg is not None or a.kwarg is not None:
        raise SchemaError(f"function {fn.name} takes *args or **kwargs: list every parameter by name")
    return {
        "name": fn.name,
        "description": description,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }


def main():
    source = sys.stdin.read()
    try:
        out = {"schema": derive(source)}
    except SchemaError as e:
        out = {"error": str(e)}
    except RecursionError:
        out = {"error": "source_code is nested too deeply to parse"}
    sys.stdout.write(json.dumps(out))


main()
