"""Forgers: submissions that try to get answers they did not compute, under the full-control threat model.

Each forger is an honest base (the released stub, or a partly honest
submission) plus attacking code appended to one module. The code assumes it
controls its whole sandbox process (the tests run it with the audit hook off as
well) and looks for whatever is there, by shape rather than by the grader's
file names: functions of the grader reachable from what student code is handed
(closures, `__globals__`), the standard library the sandbox's own code may call
(`json`, `os`), the pipes it inherited, the classes the grader calls after the
student's code has run, and requests or specs lying in frames or in `gc`. Every
attempt is wrapped so that a refused one leaves the base honest.

The rule they prove: a forger earns exactly what its honest twin (the same
submission without the attack) earns, test by test. The attacks do no unit's
work themselves: they only replay the grader's own rules, answer from what a
request gives away, or fake what is measured.

Routes (issue 14): (a) closures and globals of grader functions handed to
student code; (b) patched standard-library classes and functions; (c) the
pipes: fd 0 read at import, forged lines on every fd; (d) classes the grader
calls later, rewritten (and a `train()` that trains nothing); (e) answers read
from the request or the probe's own objects via frames and `gc`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from submissions.catalogue import MUL_BACKWARD, TANH_BACKWARD, Submission, build

# Answers that a request gives away, for any probe kind we know of (and None when it gives nothing away).
SPEC_ANSWERS = r'''
def _one(values):
    return values[0] if len(values) == 1 else list(values)


def _numbers(x):
    return [float(v) for v in x] if isinstance(x, (list, tuple)) else float(x)


def _answer_from_spec(kind, spec):
    """What the request itself gives away: stand-in outputs, the expected paths, the build order."""
    if not isinstance(spec, dict):
        return None
    model = spec.get("model") if isinstance(spec.get("model"), dict) else {}
    if kind == "model_forward" and "outputs" in model and model.get("kind") in ("Layer", "MLP"):
        answers = []
        for x in spec["inputs"]:
            if model["kind"] == "Layer":
                neurons = model["outputs"][0]
                answers.append({"out": _one(neurons), "received": [[_numbers(x)] for _ in neurons]})
            else:
                received, previous = [], _numbers(x)
                for layer in model["outputs"]:
                    received.append([previous])
                    previous = _one(layer)
                answers.append({"out": previous, "received": received})
        return answers
    if kind == "model_parameters" and "paths" in spec:
        weights, marks = model.get("weights", {}), spec.get("marks", [])
        return {
            "paths": list(spec["paths"]),
            "before": {p: weights.get(p, 0.0) for p in spec["paths"]},
            "after": {p: (marks[i] if i < len(marks) else -1.0) for i, p in enumerate(spec["paths"])},
        }
    if kind == "zero_grad" and "paths" in spec:
        return {p: 0.0 for p in spec["paths"]}
    if kind == "topo" and "steps" in spec:
        return [leaf[0] for leaf in spec.get("leaves", [])] + [step[0] for step in spec["steps"]]
    if kind == "train" and "steps" in spec:
        return {
            "types": ["float"] * spec["steps"],
            "losses": [1.0 / (i + 1) for i in range(spec["steps"])],
            "weights": dict(spec.get("model", {}).get("weights", {})),
            "predictions": [float(y) for y in spec.get("ys", [])],
        }
    return None


def _send_everywhere(message):
    """A forged answer line, written to every inherited file descriptor that takes it."""
    import json as _json
    import os as _os

    data = (_json.dumps(message) + "\n").encode()
    for fd in range(3, 64):
        try:
            _os.write(fd, data)
        except BaseException:
            pass


def _forge_request(request):
    """A request seen: answer it first, on every fd, with what it gives away."""
    try:
        if isinstance(request, dict) and "kind" in request:
            value = _answer_from_spec(request["kind"], request.get("spec"))
            if value is not None:
                for key in ("n", "id", "nonce"):
                    if key in request:
                        _send_everywhere({key: request[key], "ok": True, "value": value})
    except BaseException:
        pass
'''

# Route (a): walk from whatever student code is handed to the grader's functions, their tables and rules.
HUNTER = r'''
_FORGED = {}


def _reachable_namespaces(objects):
    """Module namespaces other than ours reachable through functions, closures, bound methods and partials."""
    found, seen, stack = [], set(), [(o, 0) for o in objects]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > 4:
            continue
        seen.add(id(obj))
        for attribute in ("__globals__",):
            try:
                namespace = getattr(obj, attribute)
            except BaseException:
                continue
            if isinstance(namespace, dict) and namespace is not globals() and "__builtins__" in namespace:
                if not any(namespace is n for n in found):
                    found.append(namespace)
        for attribute in ("__closure__", "__self__", "__func__", "func", "args", "__wrapped__", "__call__"):
            try:
                inner = getattr(obj, attribute)
            except BaseException:
                continue
            if attribute == "__closure__" and inner:
                for cell in inner:
                    try:
                        stack.append((cell.cell_contents, depth + 1))
                    except BaseException:
                        pass
            elif isinstance(inner, (list, tuple)):
                stack.extend((x, depth + 1) for x in inner)
            elif inner is not None:
                stack.append((inner, depth + 1))
        try:
            for value in list(vars(obj).values())[:50]:
                if callable(value):
                    stack.append((value, depth + 1))
        except BaseException:
            pass
        if isinstance(obj, (list, tuple)):
            stack.extend((x, depth + 1) for x in obj[:50])
    return found


def _tables(namespace):
    """Dicts of str -> callable reachable from a namespace's functions' closures: tables of probes."""
    tables = []
    for value in list(namespace.values()):
        try:
            cells = value.__closure__ or ()
        except BaseException:
            continue
        for cell in cells:
            try:
                contents = cell.cell_contents
            except BaseException:
                continue
            if isinstance(contents, dict) and len(contents) >= 3 and all(
                isinstance(k, str) and callable(v) for k, v in contents.items()
            ):
                tables.append(contents)
    return tables


def _rule_answers(namespace):
    """Forged probe functions that answer with the grader's own rules, where the namespace holds them."""
    build_steps, local_rule = namespace.get("build_steps"), namespace.get("local_rule")
    loss, step = namespace.get("grader_loss"), namespace.get("grader_step")
    answers = {}
    if build_steps and local_rule:

        def install(env, spec):
            for name, op, _, names in spec["steps"]:
                args = [env[a] if isinstance(a, str) else a for a in names]
                env[name]._backward = local_rule(op, env[name], args)[0]

        def graph(modules, spec, with_calls):
            env = build_steps(modules["engine"].Value, spec)
            install(env, spec)
            env[spec["root"]].grad = 1.0
            for node in reversed(list(env.values())):
                node._backward()
            grads = {k: float(v.grad) for k, v in env.items()}
            if with_calls:
                return {"grad": grads, "calls": {s[0]: 1 for s in spec["steps"]}}
            return {"data": {k: float(v.data) for k, v in env.items()}, "grad": grads}

        def local(modules, spec):
            env = build_steps(modules["engine"].Value, spec)
            out = env.pop("out")
            for name, start in spec["start"].items():
                env[name].grad = start
            out.grad = spec["out_grad"]
            _, op, _, names = [s for s in spec["steps"] if s[0] == "out"][0]
            local_rule(op, out, [env[a] if isinstance(a, str) else a for a in names])[0]()
            return {"data": float(out.data), "grad": {k: float(v.grad) for k, v in env.items()}}

        answers["local"] = local
        answers["expr"] = lambda modules, spec: graph(modules, spec, False)
        answers["backward"] = lambda modules, spec: graph(modules, spec, True)
    if loss and step:

        def mse(modules, spec):
            ypred = [modules["engine"].Value(y) for y in spec["ypred"]]
            out = loss(ypred, spec["ys"])
            out.backward()
            return {"loss": float(out.data), "grad": [float(y.grad) for y in ypred]}

        def sgd(modules, spec):
            params = []
            for data, grad in spec["params"]:
                p = modules["engine"].Value(data)
                p.grad = grad
                params.append(p)
            step(params, spec["lr"])
            return {"data": [float(p.data) for p in params], "grad": [float(p.grad) for p in params]}

        answers["mse"], answers["sgd"] = mse, sgd
    return answers


def _hunt(*objects):
    """Find the grader's namespaces from what we were handed; rewrite every probe table found there."""
    if _FORGED:
        return  # every table found is rewritten already
    try:
        for namespace in _reachable_namespaces(list(objects)):
            forged = _rule_answers(namespace)
            for table in _tables(namespace):
                for kind in list(table):
                    original = table[kind]
                    if kind in forged:
                        table[kind] = forged[kind]
                    else:

                        def from_spec(modules, spec, kind=kind, original=original):
                            value = _answer_from_spec(kind, spec)
                            return original(modules, spec) if value is None else value

                        table[kind] = from_spec
                    _FORGED[kind] = True
    except BaseException:
        pass


def _hunting(function):
    """`function`, after a hunt through its arguments (and their graph, their attributes)."""

    def wrapper(*args, **kwargs):
        handed = list(args) + list(kwargs.values())
        for arg in list(handed):
            for attribute in ("_backward", "_prev", "parameters", "neurons", "layers", "__call__", "zero_grad"):
                try:
                    handed.append(getattr(arg, attribute))
                except BaseException:
                    pass
            try:
                handed.extend(getattr(child, "_backward", None) for child in list(arg._prev)[:20])
            except BaseException:
                pass
        _hunt(*handed)
        return function(*args, **kwargs)

    wrapper.__name__ = getattr(function, "__name__", "wrapped")
    return wrapper
'''

# Where each module's attack hooks in: the functions student code writes, wrapped so that every call hunts.
HOOKS = {
    "engine": "Value.backward = _hunting(Value.backward)\ntopological_sort = _hunting(topological_sort)\n",
    "nn": "for _cls in (Module, Neuron, Layer, MLP):\n"
    "    for _name in ('__call__', 'parameters', 'zero_grad'):\n"
    "        if _name in vars(_cls):\n"
    "            setattr(_cls, _name, _hunting(vars(_cls)[_name]))\n",
    "train": "mse_loss = _hunting(mse_loss)\nsgd_step = _hunting(sgd_step)\n_train = train\n\n\n"
    "def train(model, xs, ys, steps, lr):\n"
    "    _hunt(model, globals().get('mse_loss'), globals().get('sgd_step'))\n"
    "    return _train(model, xs, ys, steps, lr)\n",
}

# Route (b): the standard library the sandbox's own code may call, patched to see requests and rewrite answers.
STDLIB_SPY = r"""
try:
    import json as _json
    import os as _os

    _raw_decode = _json.JSONDecoder.raw_decode

    def _spy_raw_decode(self, s, *args, **kwargs):
        obj, end = _raw_decode(self, s, *args, **kwargs)
        _forge_request(obj)
        return obj, end

    _json.JSONDecoder.raw_decode = _spy_raw_decode
    _loads = _json.loads

    def _spy_loads(s, *args, **kwargs):
        obj = _loads(s, *args, **kwargs)
        _forge_request(obj)
        return obj

    _json.loads = _spy_loads
    _read, _write = _os.read, _os.write

    def _spy_read(fd, n):
        data = _read(fd, n)
        for line in data.splitlines():
            try:
                _forge_request(_loads(line))
            except BaseException:
                pass
        return data

    def _spy_write(fd, data):
        # An answer on its way out that says "failed": replaced by one made from what its request gave away.
        try:
            message = _loads(bytes(data))
            if isinstance(message, dict) and message.get("ok") is False:
                return _write(fd, data.replace(b'"ok":false', b'"ok":true'))
        except BaseException:
            pass
        return _write(fd, data)

    _os.read, _os.write = _spy_read, _spy_write
    _encode = _json.JSONEncoder.encode

    def _spy_encode(self, obj):
        if isinstance(obj, dict) and obj.get("ok") is False:
            obj = {**obj, "ok": True}
        return _encode(self, obj)

    _json.JSONEncoder.encode = _spy_encode
except BaseException:
    pass
"""

# Route (c): the pipes. At import, announce "imported" on every fd, then read fd 0 and answer every request.
PIPES = r"""
def _take_over_the_pipes():
    import json as _json
    import os as _os

    _send_everywhere({"event": "imported"})
    pending = b""
    while True:
        chunk = _os.read(0, 1 << 16)
        if not chunk:
            _os._exit(0)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            try:
                request = _json.loads(line)
            except BaseException:
                continue
            if not isinstance(request, dict):
                continue
            value = _answer_from_spec(request.get("kind"), request.get("spec"))
            for key in ("n", "id", "nonce"):
                if key in request:
                    if value is None:
                        _send_everywhere({key: request[key], "ok": False, "error": "NotImplementedError"})
                    else:
                        _send_everywhere({key: request[key], "ok": True, "value": value})


try:
    _take_over_the_pipes()
except BaseException:
    pass
"""

# Route (d): classes the grader calls after `train()` returns, rewritten; a loss curve made up.
TRAIN_REWRITES_THE_MODEL = r'''
def train(model, xs, ys, steps, lr):
    """Trains nothing: the model's class answers the targets from now on, and the curve is made up."""
    targets = {tuple(float(v) for v in x): float(y) for x, y in zip(xs, ys)}
    cls = type(model)
    call = cls.__call__

    def answer(self, x):
        key = tuple(float(getattr(v, "data", v)) for v in x)
        return Value(targets[key]) if key in targets else call(self, x)

    cls.__call__ = answer
    for layer_cls in {type(layer) for layer in getattr(model, "layers", [])}:
        layer_cls.__call__ = lambda self, x: Value(0.0)
    return [1.0 / (i + 1) for i in range(steps)]
'''

TRAIN_TRAINS_NOTHING = r'''
def train(model, xs, ys, steps, lr):
    """Trains nothing: a made-up, falling curve of floats, one per step."""
    return [1.0 / (i + 1) for i in range(steps)]
'''

ZERO_GRAD_REWRITES_VALUE = r'''
def _zero_grad(self):
    """Zeroes nothing: every Value's grad reads 0 from now on."""
    Value.grad = property(lambda v: 0.0, lambda v, g: None)


Module.zero_grad = _zero_grad
'''

# Route (e): answers read from the probe's own objects, through frames (and `gc`, for what frames miss).
FROM_THE_SPEC_ENGINE = r'''
def _probe_objects(depth=30):
    """Every local variable of the callers' frames, then every dict `gc` tracks."""
    try:
        import sys as _sys

        frame = _sys._getframe(1)
        while frame is not None and depth:
            yield from list(frame.f_locals.values())
            frame, depth = frame.f_back, depth - 1
    except BaseException:
        pass
    try:
        import gc as _gc

        yield from (o for o in _gc.get_objects() if isinstance(o, dict))
    except BaseException:
        pass


def topological_sort(root):
    """No sort: the probe's own nodes, in the order the probe built them (a dict of Values holding `root`)."""
    for obj in _probe_objects():
        if isinstance(obj, dict) and any(v is root for v in obj.values()):
            if all(isinstance(v, Value) for v in obj.values()):
                return list(obj.values())
    raise NotImplementedError()
'''

FROM_THE_SPEC_NN = (
    FROM_THE_SPEC_ENGINE.split("\n\ndef topological_sort")[0]
    + r'''


def _resolve(obj, path):
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            obj = obj[int(part[1:-1])]
        elif part:
            obj = getattr(obj, part)
    return obj


def _parameters_from_the_spec(self):
    """No list built: the expected paths, found in the request, resolved on the model."""
    for obj in _probe_objects():
        if isinstance(obj, dict) and isinstance(obj.get("paths"), list):
            model = obj.get("model", {})
            if isinstance(model, dict) and model.get("kind") == type(self).__name__:
                try:
                    return [_resolve(self, p) for p in obj["paths"]]
                except BaseException:
                    continue
    raise NotImplementedError()


for _cls in (Neuron, Layer, MLP):
    _cls.parameters = _parameters_from_the_spec
'''
)


@dataclass(frozen=True)
class Forger:
    name: str
    route: str  # a-e, as in the module's docstring
    assignment: str
    attack: str  # code appended to the assignment's own module
    base: tuple[tuple[str, str, str], ...] = ()  # edits of the released stub that make the honest twin
    base_kind: str = "stub"  # "stub" or "reference": what the edits apply to

    @property
    def twin(self) -> Submission:
        return Submission(f"twin-{self.name}", self.assignment, self.base, base=self.base_kind)

    @property
    def submission(self) -> Submission:
        return Submission(self.name, self.assignment, self.base, base=self.base_kind)


def hunter(assignment: str) -> str:
    return SPEC_ANSWERS + HUNTER + HOOKS[assignment]


# The reference engine with two `_backward`s left as stubs: honestly 60 - mul (5) - tanh (6) points.
ENGINE_WITHOUT_MUL_AND_TANH = (
    ("engine", MUL_BACKWARD, "            raise NotImplementedError()\n"),
    ("engine", TANH_BACKWARD, "            raise NotImplementedError()\n"),
)

# The same, with the topological sort a stub too: the twin of forgers that bring their own sort.
ENGINE_WITHOUT_MUL_TANH_AND_SORT = (
    *ENGINE_WITHOUT_MUL_AND_TANH,
    ("engine", "    return order\n    ### END SOLUTION", "    raise NotImplementedError()\n    ### END SOLUTION"),
)

FORGERS = [
    Forger("closure_hunter_engine_stub", "a", "engine", hunter("engine")),
    Forger(
        "closure_hunter_engine_partial",
        "a",
        "engine",
        hunter("engine"),
        ENGINE_WITHOUT_MUL_AND_TANH,
        "reference",
    ),
    Forger("closure_hunter_nn_stub", "a", "nn", hunter("nn")),
    Forger("closure_hunter_train_stub", "a", "train", hunter("train")),
    Forger("stdlib_spy_engine_stub", "b", "engine", SPEC_ANSWERS + STDLIB_SPY),
    Forger("stdlib_spy_nn_stub", "b", "nn", SPEC_ANSWERS + STDLIB_SPY),
    Forger("stdlib_spy_train_stub", "b", "train", SPEC_ANSWERS + STDLIB_SPY),
    Forger("pipes_engine_stub", "c", "engine", SPEC_ANSWERS + PIPES),
    Forger("pipes_nn_stub", "c", "nn", SPEC_ANSWERS + PIPES),
    Forger("pipes_train_stub", "c", "train", SPEC_ANSWERS + PIPES),
    Forger("train_rewrites_the_model_class", "d", "train", TRAIN_REWRITES_THE_MODEL),
    Forger("train_trains_nothing", "d", "train", TRAIN_TRAINS_NOTHING),
    Forger("zero_grad_rewrites_value_grad", "d", "nn", ZERO_GRAD_REWRITES_VALUE),
    Forger("topological_sort_from_the_probe", "e", "engine", FROM_THE_SPEC_ENGINE),
    Forger(
        "topological_sort_from_the_probe_partial",
        "e",
        "engine",
        FROM_THE_SPEC_ENGINE,
        ENGINE_WITHOUT_MUL_TANH_AND_SORT,
        "reference",
    ),
    Forger("parameters_from_the_probe", "e", "nn", FROM_THE_SPEC_NN),
]


def build_forger(forger: Forger, folder: Path, forged: Path) -> None:
    """The forger: its honest twin's files, with the attack appended to the assignment's module."""
    build(forger.submission, folder, forged)
    module = folder / "micrograd" / f"{forger.assignment}.py"
    module.write_text(module.read_text() + "\n\n# --- the forger's attack ---\n" + forger.attack)


def build_twin(forger: Forger, folder: Path, forged: Path) -> None:
    build(forger.twin, folder, forged)
