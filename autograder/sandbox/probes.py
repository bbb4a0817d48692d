# ruff: noqa: F821 - `probe` and `number` come from child.py, whose text this file is appended to.
"""What the sandbox can be asked to compute with the student's code (child side).

Appended to child.py's text and run inside the sandbox, so: standard library
only, and every answer is plain numbers and names. Each probe kind takes the
imported modules and a JSON spec; the grader builds the specs
(`autograder/programs.py`) and judges the answers.
"""


# --- engine -----------------------------------------------------------------


def build_expression(Value, spec):
    """Build the program's nodes with the student's Value: name -> node."""
    env = {}
    for name, x in spec["leaves"]:
        env[name] = Value(x)

    def arg(a):
        return env[a] if isinstance(a, str) else a

    for name, op, args in spec["steps"]:
        a = [arg(x) for x in args]
        if op == "add":
            node = a[0] + a[1]
        elif op == "sub":
            node = a[0] - a[1]
        elif op == "mul":
            node = a[0] * a[1]
        elif op == "truediv":
            node = a[0] / a[1]
        elif op == "pow":
            node = a[0] ** a[1]
        elif op == "neg":
            node = -a[0]
        else:  # exp, tanh, relu
            node = getattr(a[0], op)()
        if not isinstance(node, Value):
            raise TypeError(f"computing {name} gave {type(node).__name__}, not a Value")
        env[name] = node
    return env


@probe("expr")
def expr(modules, spec):
    env = build_expression(modules["engine"].Value, spec)
    data = {name: number(v.data, f"{name}.data") for name, v in env.items()}
    grad = None
    if spec["backward"]:
        env[spec["root"]].backward()
        grad = {name: number(v.grad, f"{name}.grad") for name, v in env.items()}
    return {"data": data, "grad": grad}


@probe("topo")
def topo(modules, spec):
    env = build_expression(modules["engine"].Value, spec)
    names = {id(v): name for name, v in env.items()}
    order = modules["engine"].topological_sort(env[spec["root"]])
    return [names.get(id(v), f"<{type(v).__name__} not built by the test>") for v in order]


# --- nn ---------------------------------------------------------------------


def build_model(nn, spec):
    kind, args, kwargs = spec["kind"], spec["args"], spec["kwargs"]
    return getattr(nn, kind)(*args, **kwargs)


def model_values(model, kind):
    """Every Value of the model's own attributes, by path, in declaration order."""
    found = []
    if kind == "Neuron":
        neurons = [("", model)]
    elif kind == "Layer":
        neurons = [(f"neurons[{j}].", n) for j, n in enumerate(model.neurons)]
    else:
        neurons = [
            (f"layers[{k}].neurons[{j}].", n)
            for k, layer in enumerate(model.layers)
            for j, n in enumerate(layer.neurons)
        ]
    for prefix, n in neurons:
        found += [(f"{prefix}w[{i}]", w) for i, w in enumerate(n.w)]
        found.append((f"{prefix}b", n.b))
    return found


def set_weights(model, spec):
    values = dict(model_values(model, spec["kind"]))
    for path, x in spec["weights"].items():
        values[path].data = x


def output(out, what):
    if isinstance(out, list):
        return [number(v.data, f"{what}[{i}].data") for i, v in enumerate(out)]
    return number(out.data, f"{what}.data")


@probe("model_forward")
def model_forward(modules, spec):
    model = build_model(modules["nn"], spec["model"])
    set_weights(model, spec["model"])
    return [output(model(x), f"model({x})") for x in spec["inputs"]]


@probe("model_parameters")
def model_parameters(modules, spec):
    model = build_model(modules["nn"], spec["model"])
    paths = {id(v): path for path, v in model_values(model, spec["model"]["kind"])}
    params = model.parameters()
    if not isinstance(params, list):
        raise TypeError(f"parameters() returned {type(params).__name__}, not a list")
    Value = modules["engine"].Value
    return [
        paths.get(id(p), "<a copy, not one of the model's Values>" if isinstance(p, Value) else "<not a Value>")
        for p in params
    ]


@probe("parameters_identity")
def parameters_identity(modules, spec):
    model = build_model(modules["nn"], spec["model"])
    set_weights(model, spec["model"])
    before = output(model(spec["input"]), "model(x)")
    for p in model.parameters():
        p.data = 0.0
    return {"before": before, "after": output(model(spec["input"]), "model(x)")}


@probe("zero_grad")
def zero_grad(modules, spec):
    model = build_model(modules["nn"], spec["model"])
    values = model_values(model, spec["model"]["kind"])
    for _, v in values:
        v.grad = 1.5
    model.zero_grad()
    return {path: number(v.grad, f"{path}.grad") for path, v in values}


# --- train ------------------------------------------------------------------


@probe("mse")
def mse(modules, spec):
    Value = modules["engine"].Value
    ypred = [Value(y) for y in spec["ypred"]]
    loss = modules["train"].mse_loss(ypred, spec["ys"])
    if not isinstance(loss, Value):
        raise TypeError(f"mse_loss returned {type(loss).__name__}, not a Value")
    data = number(loss.data, "loss.data")
    loss.backward()
    return {"loss": data, "grad": [number(y.grad, f"ypred[{i}].grad") for i, y in enumerate(ypred)]}


@probe("sgd")
def sgd(modules, spec):
    Value = modules["engine"].Value
    params = []
    for data, grad in spec["params"]:
        p = Value(data)
        p.grad = grad
        params.append(p)
    result = modules["train"].sgd_step(params, spec["lr"])
    return {
        "data": [number(p.data, f"params[{i}].data") for i, p in enumerate(params)],
        "grad": [number(p.grad, f"params[{i}].grad") for i, p in enumerate(params)],
        "returned": type(result).__name__,
    }


@probe("train")
def train(modules, spec):
    model = build_model(modules["nn"], spec["model"])
    set_weights(model, spec["model"])
    losses = modules["train"].train(model, spec["xs"], spec["ys"], spec["steps"], spec["lr"])
    if not isinstance(losses, list):
        raise TypeError(f"train returned {type(losses).__name__}, not a list")
    values = []
    for i, loss in enumerate(losses):
        # A Value instead of a float loses the "floats" test only: its number still counts here.
        values.append(number(getattr(loss, "data", loss), f"losses[{i}]"))
    return {"types": [type(loss).__name__ for loss in losses], "losses": values}
