#!/usr/bin/env python3
"""Reads an Airflow DAG file without Airflow and prints its tasks as JSON, templates rendered.

    python3 deploy/airflow/check_dag.py deploy/airflow/diloco_dag.py [YYYY-MM-DD]

Airflow cannot be installed everywhere the DAG must stay right (the build machine has no PyPI),
so this reads the file with Python's ast module instead of importing it: it runs the module's
top-level statements except imports and the `with DAG(...)` block (constants, dicts, `if` blocks
over them) with stand-ins for Airflow's names, finds the operator calls inside `with DAG(...)`,
evaluates their keyword arguments with the DAG's default_args beneath them (as Airflow applies
them), renders the operator's templated fields as Airflow would for a run on DATE (default
2024-05-01), and reads the task order from `a >> b` statements.

Templates: {{ ds }}, {{ ds_nodash }}, {{ var.value.get('name', 'default') }}, {{ var.value.name }}
and {{ params.name }}. Anything else is an error, as is a template in a field Airflow does not
render: teach this script rather than let a template pass unrendered. Variables are read as
Airflow's environment-variable backend reads them: AIRFLOW_VAR_<NAME upper-cased>, else the
default (so a test can point the DAG at local paths the way a deployment would).

Output: {"dag": {dag_id, schedule, ...}, "date": DATE, "tasks": [{"task_id", "variable",
"operator", "kwargs"}], "order": [[upstream task_id, downstream task_id], ...]}; a timedelta is
written as its number of seconds, a datetime as ISO text. Exit status 2 with one line on error.
"""
import ast
import datetime
import json
import os
import re
import sys

# What Airflow renders for each operator (the provider's template_fields).
TEMPLATE_FIELDS = {
    "SparkSubmitOperator": {"application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
                            "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args",
                            "env_vars", "properties_file"},
}
TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)


class CheckError(Exception):
    pass


def variable(name, default):
    value = os.environ.get("AIRFLOW_VAR_" + name.upper())
    if value is not None:
        return value
    if default is KeyError:
        raise CheckError("Airflow Variable %s is not set and has no default" % name)
    return default


class Variable:
    """Stand-in for airflow.models.Variable / airflow.sdk.Variable."""

    @staticmethod
    def get(key, default=KeyError, deserialize_json=False, **kwargs):
        if "default_var" in kwargs:
            default = kwargs["default_var"]
        value = variable(key, default)
        return json.loads(value) if deserialize_json and isinstance(value, str) else value


class Param:
    """Stand-in for airflow.models.param.Param: only its default matters here."""

    def __init__(self, default=None, **kwargs):
        self.default = default


class TemplateVariables:
    """`var.value` in a template."""

    def get(self, key, default=KeyError):
        return variable(key, default)

    def __getattr__(self, key):
        return variable(key, KeyError)


class Attributes:
    def __init__(self, values):
        self.__dict__.update(values)


def render(value, context, where):
    if isinstance(value, str):
        if "{%" in value or "{#" in value:
            raise CheckError("%s: only {{ ... }} expressions are supported, got %r" % (where, value))

        def expression(m):
            text = m.group(1).strip()
            try:
                return str(eval(text, {"__builtins__": {}}, context))
            except Exception as e:
                raise CheckError("%s: cannot render {{ %s }} (%s: %s); check_dag.py knows ds, ds_nodash, var.value "
                                 "and params" % (where, text, type(e).__name__, e))
        return TEMPLATE.sub(expression, value)
    if isinstance(value, list):
        return [render(v, context, where) for v in value]
    if isinstance(value, tuple):
        return tuple(render(v, context, where) for v in value)
    if isinstance(value, dict):
        return {k: render(v, context, where) for k, v in value.items()}
    return value


def has_template(value):
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, (list, tuple)):
        return any(has_template(v) for v in value)
    if isinstance(value, dict):
        return any(has_template(v) for v in value.values())
    return False


def evaluate(node, namespace, path):
    return eval(compile(ast.Expression(node), path, "eval"), namespace)


def run(statements, namespace, path):
    exec(compile(ast.Module(body=statements, type_ignores=[]), path, "exec"), namespace)


def name_of(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def call_kwargs(call, namespace, path):
    if call.args:
        raise CheckError("line %d: pass %s's arguments by keyword" % (call.lineno, name_of(call.func)))
    kwargs = {}
    for kw in call.keywords:
        if kw.arg is None:
            kwargs.update(evaluate(kw.value, namespace, path))
        else:
            kwargs[kw.arg] = evaluate(kw.value, namespace, path)
    return kwargs


def order(node, edges):
    """The (first, last) task variables of `a >> b >> [c, d]`; appends (upstream, downstream) pairs."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
        left_first, left_last = order(node.left, edges)
        right_first, right_last = order(node.right, edges)
        if isinstance(node.op, ast.RShift):
            edges.extend((u, d) for u in left_last for d in right_first)
        else:
            edges.extend((u, d) for u in right_first for d in left_last)
        return left_first, right_last
    if isinstance(node, ast.Name):
        return [node.id], [node.id]
    if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Name) for e in node.elts):
        names = [e.id for e in node.elts]
        return names, names
    raise CheckError("line %d: cannot read this task order" % node.lineno)


def read(path, date):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    namespace = {"__name__": "diloco_dag_check", "Variable": Variable, "Param": Param,
                 "timedelta": datetime.timedelta, "datetime": datetime.datetime}
    skipped = (ast.Import, ast.ImportFrom, ast.Try, ast.With)
    run([s for s in tree.body if not isinstance(s, skipped)], namespace, path)

    blocks = [s for s in tree.body if isinstance(s, ast.With) and isinstance(s.items[0].context_expr, ast.Call)
              and name_of(s.items[0].context_expr.func) == "DAG"]
    if len(blocks) != 1:
        raise CheckError("expected one `with DAG(...)` block, found %d" % len(blocks))
    block = blocks[0]
    dag = call_kwargs(block.items[0].context_expr, namespace, path)
    defaults = dict(dag.get("default_args") or {})
    params = {k: (v.default if isinstance(v, Param) else v) for k, v in (dag.get("params") or {}).items()}
    context = {"ds": date, "ds_nodash": date.replace("-", ""), "var": Attributes({"value": TemplateVariables()}),
               "params": Attributes(params)}

    tasks, edges = [], []
    for s in block.body:
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call) and (name_of(s.value.func) or "").endswith("Operator"):
            operator = name_of(s.value.func)
            if operator not in TEMPLATE_FIELDS:
                raise CheckError("line %d: %s: add its template_fields to check_dag.py" % (s.lineno, operator))
            kwargs = dict(defaults)
            kwargs.update(call_kwargs(s.value, namespace, path))
            for key, value in kwargs.items():
                if key in TEMPLATE_FIELDS[operator]:
                    kwargs[key] = render(value, context, "%s.%s" % (kwargs.get("task_id"), key))
                elif has_template(value):
                    raise CheckError("%s.%s holds a template, but Airflow does not render that field"
                                     % (kwargs.get("task_id"), key))
            tasks.append({"variable": s.targets[0].id, "task_id": kwargs.get("task_id"), "operator": operator,
                          "kwargs": kwargs})
        elif isinstance(s, ast.Expr) and isinstance(s.value, ast.BinOp):
            order(s.value, edges)
        else:
            run([s], namespace, path)
    by_variable = {t["variable"]: t["task_id"] for t in tasks}
    for u, d in edges:
        for v in (u, d):
            if v not in by_variable:
                raise CheckError("the task order names %s, which is not a task" % v)
    return {"dag": dag, "date": date, "tasks": tasks, "order": [[by_variable[u], by_variable[d]] for u, d in edges]}


def plain(value):
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Param):
        return value.default
    raise TypeError("cannot write %r as JSON" % (value,))


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: check_dag.py DAG_FILE [YYYY-MM-DD]", file=sys.stderr)
        return 2
    date = argv[2] if len(argv) == 3 else "2024-05-01"
    try:
        datetime.date.fromisoformat(date)
        print(json.dumps(read(argv[1], date), indent=2, default=plain))
        return 0
    except (CheckError, ValueError, OSError, SyntaxError) as e:
        print("check_dag.py: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
