# Runs one tool call. The request arrives as JSON on stdin (never as code):
# {"marker", "function", "args", "limits"}; the tool's source is tool.py in
# the working directory. The result is written after the marker on stdout:
# {"value": ...} on success, {"error": {"type", "message"}} on failure.
import asyncio
import builtins
import inspect
import json
import os
import sys
import traceback

request = json.loads(sys.stdin.read())
sys.stdin = open(os.devnull)
marker = request["marker"]


def emit(obj, code):
    sys.stdout.flush()
    sys.stderr.flush()
    data = json.dumps(obj, default=str, ensure_ascii=False)
    os.write(1, ("\n" + marker + "\n" + data).encode("utf-8", "replace"))
    os._exit(code)


def limit():
    try:
        import resource
    except ImportError:
        return
    for name, value in request.get("limits", {}).items():
        which = getattr(resource, name, None)
        if which is None or not value:
            continue
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def package(value):
    # As Letta packages results: None stays None, str and dict are kept (a
    # dict as nested JSON), anything else becomes its str().
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        try:
            return json.loads(json.dumps(value, default=str, ensure_ascii=False))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def main():
    limit()
    name = request["function"]
    with open("tool.py", encoding="utf-8") as f:
        source = f.read()
    namespace = {"__name__": "letta_tool", "__builtins__": builtins}
    exec(compile(source, "tool.py", "exec"), namespace)
    fn = namespace.get(name)
    if not callable(fn):
        raise NameError(f"function {name} is not defined in the tool's source")
    args = dict(request.get("args") or {})
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "agent_state" in params and "agent_state" not in args:
        args["agent_state"] = None
    result = fn(**args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return package(result)


try:
    value = main()
except BaseException as e:  # SystemExit and KeyboardInterrupt too: the tool failed
    traceback.print_exc()
    emit({"error": {"type": type(e).__name__, "message": str(e)}}, 1)
emit({"value": value}, 0)
