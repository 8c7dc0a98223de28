#!/usr/bin/env python3
"""Reads an Airflow DAG file without Airflow and prints its tasks as JSON, templates rendered.

    python3 deploy/airflow/check_dag.py deploy/airflow/diloco_dag.py [YYYY-MM-DD] [--set NAME=VALUE]...

Airflow cannot be installed everywhere the DAG must stay right (the build machine has no PyPI),
so this reads the file with Python's ast module instead of importing it: it runs the module's
top-level statements except imports and the `with DAG(...)` block (constants, dicts, `if` blocks
over them) with stand-ins for Airflow's names, finds the operator calls inside `with DAG(...)`,
evaluates their keyword arguments with the DAG's default_args beneath them (as Airflow applies
them), renders the operator's templated fields as Airflow would for a run on DATE (default
2024-05-01), and reads the task order from `a >> b` statements. --set NAME=VALUE gives a
module-level constant another value (a Python literal: True, 8, 'text'), as editing the file would,
to read a variant such as ON_KUBERNETES=True.

It refuses, as Airflow would or as Airflow's best practices advise:
  - an argument the operator does not take (OPERATOR_ARGUMENTS: the provider's and BaseOperator's);
  - a task without an execution_timeout (its own or from default_args);
  - `Variable` used anywhere that runs when the file is parsed (outside a function body): every
    scheduler parse would query the metadata database; read Variables in templates instead.

Templates: {{ ds }}, {{ ds_nodash }}, {{ var.value.get('name', 'default') }}, {{ var.value.name }}
and {{ params.name }}. Anything else is an error, as is a template in a field Airflow does not
render: teach this script rather than let a template pass unrendered. Variables are read as
Airflow's environment-variable backend reads them: AIRFLOW_VAR_<NAME upper-cased>, else the
default (so a test can point the DAG at local paths the way a deployment would).

Output: {"dag": {dag_id, schedule, ...}, "date": DATE, "set": {NAME: VALUE}, "tasks": [{"task_id",
"variable", "operator", "kwargs"}], "order": [[upstream task_id, downstream task_id], ...]}; a
timedelta is written as its number of seconds, a datetime as ISO text. Exit status 2 with one line on
error.
"""
import ast
import datetime
import json
import os
import re
import sys

# What Airflow renders for each operator (the provider's template_fields), and the keyword arguments
# each takes: SparkSubmitOperator.__init__ in apache-airflow-providers-apache-spark 6.3.x
# (operators/spark_submit.py), then BaseOperator's (Airflow 3.3's task SDK; sla is Airflow 2's).
TEMPLATE_FIELDS = {
    "SparkSubmitOperator": {"application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
                            "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args",
                            "env_vars", "post_submit_commands", "properties_file"},
}
BASE_OPERATOR_ARGUMENTS = {
    "task_id", "owner", "email", "email_on_retry", "email_on_failure", "retries", "retry_delay",
    "retry_exponential_backoff", "max_retry_delay", "retry_policy", "start_date", "end_date", "depends_on_past",
    "depends_on_previous_tasks", "ignore_first_depends_on_past", "wait_for_past_depends_before_skipping",
    "wait_for_downstream", "dag", "params", "default_args", "priority_weight", "weight_rule", "queue", "pool",
    "pool_slots", "sla", "execution_timeout", "on_execute_callback", "on_failure_callback", "on_success_callback",
    "on_retry_callback", "on_skipped_callback", "pre_execute", "post_execute", "trigger_rule", "resources",
    "run_as_user", "task_concurrency", "map_index_template", "max_active_tis_per_dag", "max_active_tis_per_dagrun",
    "executor", "executor_config", "do_xcom_push", "multiple_outputs", "inlets", "outlets", "task_group", "doc",
    "doc_md", "doc_json", "doc_yaml", "doc_rst", "task_display_name", "logger_name", "allow_nested_operators",
    "render_template_as_native_obj", "start_from_trigger", "start_trigger_args",
}
OPERATOR_ARGUMENTS = {
    "SparkSubmitOperator": BASE_OPERATOR_ARGUMENTS | {
        "application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars", "java_class",
        "packages", "exclude_packages", "repositories", "total_executor_cores", "executor_cores", "executor_memory",
        "driver_memory", "keytab", "principal", "proxy_user", "name", "num_executors", "status_poll_interval",
        "application_args", "env_vars", "verbose", "spark_binary", "properties_file", "yarn_queue", "deploy_mode",
        "use_krb5ccache", "post_submit_commands", "track_driver_via_k8s_api", "yarn_track_via_rm_api",
        "yarn_rm_auth", "openlineage_inject_parent_job_info", "openlineage_inject_transport_info",
        "reconnect_on_retry", "durable"},
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
            except CheckError as e:  # a Variable not set
                raise CheckError("%s: {{ %s }}: %s" % (where, text, e))
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


def parse_time_variables(tree):
    """Lines that use `Variable` in code run at parse time: anywhere but inside a function or lambda."""
    lines = []

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # the defaults and decorators run at parse time; the body runs when the task does
            for n in node.args.defaults + [d for d in node.args.kw_defaults if d is not None] + \
                    getattr(node, "decorator_list", []):
                visit(n)
            return
        if (isinstance(node, ast.Name) and node.id == "Variable") or \
                (isinstance(node, ast.Attribute) and node.attr == "Variable"):
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return sorted(set(lines))


def constant_name(statement):
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    return None


def read(path, date, constants=None):
    constants = dict(constants or {})
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    lines = parse_time_variables(tree)
    if lines:
        raise CheckError("line %s: Variable used when the file is parsed (each parse would query the metadata "
                         "database); read it in a template, {{ var.value.get('name', 'default') }}"
                         % ", ".join(map(str, lines)))
    namespace = {"__name__": "diloco_dag_check", "Param": Param,
                 "timedelta": datetime.timedelta, "datetime": datetime.datetime}
    skipped = (ast.Import, ast.ImportFrom, ast.Try, ast.With)
    found = set()
    for s in tree.body:
        if isinstance(s, skipped):
            continue
        run([s], namespace, path)
        name = constant_name(s)
        if name in constants:  # as if the file said NAME = VALUE here
            namespace[name] = constants[name]
            found.add(name)
    if set(constants) - found:
        raise CheckError("--set %s: no such module-level constant" % ", ".join(sorted(set(constants) - found)))

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
            given = call_kwargs(s.value, namespace, path)
            unknown = sorted(set(given) - OPERATOR_ARGUMENTS[operator])
            if unknown:
                raise CheckError("line %d: %s takes no argument %s" % (s.lineno, operator, ", ".join(unknown)))
            kwargs = dict(defaults)  # Airflow applies default_args an operator takes; a task's own win
            kwargs.update(given)
            timeout = kwargs.get("execution_timeout")
            if not isinstance(timeout, datetime.timedelta) or timeout <= datetime.timedelta(0):
                raise CheckError("line %d: %s has no execution_timeout (a positive timedelta): a hung attempt "
                                 "would hold its slot, and the cluster, forever" % (s.lineno, given.get("task_id")))
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
    return {"dag": dag, "date": date, "set": constants, "tasks": tasks,
            "order": [[by_variable[u], by_variable[d]] for u, d in edges]}


def plain(value):
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Param):
        return value.default
    raise TypeError("cannot write %r as JSON" % (value,))


def main(argv):
    positional, constants = [], {}
    args = iter(argv[1:])
    for a in args:
        if a == "--set":
            name, eq, value = next(args, "").partition("=")
            try:
                constants[name] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                eq = ""
            if not name.isidentifier() or not eq:
                print("check_dag.py: error: --set takes NAME=VALUE, VALUE a Python literal", file=sys.stderr)
                return 2
        else:
            positional.append(a)
    if len(positional) not in (1, 2):
        print("usage: check_dag.py DAG_FILE [YYYY-MM-DD] [--set NAME=VALUE]...", file=sys.stderr)
        return 2
    date = positional[1] if len(positional) == 2 else "2024-05-01"
    try:
        datetime.date.fromisoformat(date)
        print(json.dumps(read(positional[0], date, constants), indent=2, default=plain))
        return 0
    except (CheckError, ValueError, OSError, SyntaxError) as e:
        print("check_dag.py: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
