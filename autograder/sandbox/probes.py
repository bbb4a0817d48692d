# ruff: noqa: F821 - `probe` and `number` come from child.py, which runs this file's text with them.
"""What a sandbox worker can be asked to do with the student's code (child side).

Run inside the sandbox by child.py, in a namespace of its own made before the
student's code is imported: standard library only, and every answer is plain
numbers and names. Each probe kind takes the imported modules and a JSON spec;
the grader builds the specs (`autograder/checks.py`, `programs.py`, `models.py`)
and judges the answers in its own process.

Nothing here computes an answer the grader trusts: no derivative rule, no loss,
no update, no expected value, and no spec holds its own answer (the graphs of
the sort and of `backward()` are built in a shuffled order, so the order in
which Values are created says nothing about a topological order). What the
grader places around a unit is data-only:

- recorders (`_backward`s, a loss, a step, a model) made in an empty namespace:
  they append what happened to a log (who was called, in which order, with
  what) and return grader-chosen numbers;
- stand-in neurons and layers: full modules (`__call__` on any iterable,
  `.forward`, `parameters()`, `zero_grad()`) that hold grader-chosen weights
  and return grader-chosen outputs, different on every call, put in the
  student's `nn` module (`nn.Neuron`, `nn.Layer`) before the student's class is
  built, so the construction side (what sizes a Layer or an MLP asks for) is
  seen too.

Probes never set attributes of student objects other than the contract's own
(`data`, `grad`, `_prev`, `_backward`), and replace only module-level names.
"""

# --- recorders: built in an empty namespace, they log and compute nothing --------------------

RECORDERS = """
def backward_recorder(log, name, node):
    def record(*args, **kwargs):
        log.append((name, node.grad))
    return record

def fixed_list(items):
    def give(*args, **kwargs):
        return items[:]
    return give

def fixed_values(found):
    def give(*args, **kwargs):
        return [*found.values()]
    return give
"""
recorders = {"__builtins__": {}}
exec(RECORDERS, recorders)


# --- engine -----------------------------------------------------------------


def build_steps(Value, spec):
    """The program's nodes, built with the student's operators: name -> node.

    Each step is an expression text of the grader's operator table (`a + b`,
    `n.tanh()`), evaluated with the nodes built so far as its only names.
    """
    env = {}
    for leaf in spec["leaves"]:
        env[leaf[0]] = Value(leaf[1])
    for name, _, text, _ in spec["steps"]:
        node = eval(text, {"__builtins__": {}}, dict(env))
        if not isinstance(node, Value):
            raise TypeError(f"`{text}` gave {type(node).__name__}, not a Value")
        env[name] = node
    return env


def build_graph(Value, spec):
    """A graph of plain Values, made in the spec's shuffled order, its edges set through `_prev` afterwards.

    No Value is made after its inputs on purpose, so the order of creation is no
    topological order: only following `_prev` finds one.
    """
    env = {}
    for name, data, _ in spec["nodes"]:
        env[name] = Value(data)
    for name, _, inputs in spec["nodes"]:
        if inputs:
            env[name]._prev = {env[a] for a in inputs}
    return env


def node_numbers(env, field):
    return {name: number(getattr(v, field), f"{name}.{field}") for name, v in env.items()}


@probe("local")
def local(modules, spec):
    """One operator's `_backward` alone, called twice: inputs with starting grads, `out.grad` drawn each time."""
    env = build_steps(modules["engine"].Value, spec)
    out = env.pop("out")
    for name, start in spec["start"].items():
        env[name].grad = start
    grads = []
    for out_grad in spec["out_grads"]:
        out.grad = out_grad
        out._backward()
        grads.append(node_numbers(env, "grad"))
    return {"data": number(out.data, "out.data"), "grad": grads}


@probe("expr")
def expr(modules, spec):
    """A whole expression through the student's own `backward()` (the operators the course gives)."""
    env = build_steps(modules["engine"].Value, spec)
    env[spec["root"]].backward()
    return {"data": node_numbers(env, "data"), "grad": node_numbers(env, "grad")}


@probe("backward")
def backward(modules, spec):
    """The student's `backward()` alone, twice, on a graph whose every `_backward` is a recorder.

    Every node starts with a drawn grad. `topological_sort` is replaced by a
    function returning the spec's order (a valid one, drawn by the grader), so
    a bug in the student's sort costs nothing here; a `backward()` that sorts by
    itself is judged on its own order. The answer is who was called, in which
    order, and the grad each node held when its `_backward` ran.
    """
    engine = modules["engine"]
    env = build_graph(engine.Value, spec)
    log = []
    for name, node in env.items():
        node._backward = recorders["backward_recorder"](log, name, node)
    for name, start in spec["start"].items():
        env[name].grad = start
    own_sort = engine.topological_sort
    engine.topological_sort = recorders["fixed_list"]([env[name] for name in spec["order"]])
    rounds = []
    try:
        for _ in range(spec["rounds"]):
            log.clear()
            env[spec["root"]].backward()
            rounds.append([[name, number(grad, f"{name}.grad")] for name, grad in log[:100_000]])
    finally:
        engine.topological_sort = own_sort
    return {"calls": rounds, "grad": node_numbers(env, "grad")}


@probe("topo")
def topo(modules, spec):
    env = build_graph(modules["engine"].Value, spec)
    names = {id(v): name for name, v in env.items()}
    order = modules["engine"].topological_sort(env[spec["root"]])
    return [names.get(id(v), "<an object the test did not build>") for v in list(order)[:100_000]]


# --- nn ---------------------------------------------------------------------


def at_path(obj, path):
    """The object at an attribute path such as `layers[0].neurons[2].w[1]`."""
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            obj = obj[int(part[1:-1])]
        elif part:
            obj = getattr(obj, part)
    return obj


def numbers_of(x, what):
    """What a module was given or returned, as numbers: a list for an iterable, one number for a Value."""
    if hasattr(x, "data"):
        return number(x.data, what)
    return [number(getattr(v, "data", v), f"{what}[{i}]") for i, v in enumerate(list(x)[:1000])]


def stand_in_classes(Value, log):
    """The grader's stand-in Neuron and Layer: full modules with grader-chosen weights and outputs.

    Each instance records how it was built; the probe then gives the j-th part of
    the student's container (by position in `neurons` / `layers`) its data: its
    weights, and one output per call, taken in turn.
    """

    class StandIn:
        def __init__(self, *args, **kwargs):
            self.built = [list(args), dict(kwargs)]
            self.position = -1
            self.outputs = []
            self.calls = 0
            self.neurons = []
            self.w, self.b = [], Value(0.0)
            log["built"].append(self)

        def load(self, position, weights, outputs):
            """Its weights (one list per neuron: w..., b) and its outputs, one per call."""
            self.position, self.outputs = position, outputs
            self.neurons = [StandInNeuron.__new__(StandInNeuron) for _ in weights]
            for neuron, values in zip(self.neurons, weights):
                neuron.w, neuron.b = [Value(x) for x in values[:-1]], Value(values[-1])
            if len(self.neurons) == 1 and type(self) is StandInNeuron:
                self.w, self.b = self.neurons[0].w, self.neurons[0].b

        def __call__(self, x):
            given = numbers_of(x, "an input")
            out = self.outputs[self.calls % len(self.outputs)] if self.outputs else 0.0
            self.calls += 1
            log["calls"].append([self.position, given])
            if isinstance(out, list):
                made = [Value(y) for y in out]
                return made[0] if len(made) == 1 else made
            return Value(out)

        def forward(self, x):
            return self(x)

        def parameters(self):
            if type(self) is StandInNeuron:
                return self.w + [self.b]
            return [p for n in self.neurons for p in n.w + [n.b]]

        def zero_grad(self):
            for p in self.parameters():
                p.grad = 0.0

    class StandInNeuron(StandIn):
        pass

    class StandInLayer(StandIn):
        pass

    return StandInNeuron, StandInLayer


def build_model(modules, spec):
    """The student's class with the spec's weights; for Layer and MLP, the grader's stand-ins inside.

    Returns (model, log): the log says how the stand-ins were built and called.
    """
    nn, Value = modules["nn"], modules["engine"].Value
    log = {"built": [], "calls": []}
    if spec["kind"] == "Neuron":
        model = nn.Neuron(*spec["args"], **spec["kwargs"])
        for path, x in spec["weights"].items():
            at_path(model, path).data = x
        return model, log
    neuron, layer = stand_in_classes(Value, log)
    name, inner, attribute = ("Neuron", neuron, "neurons") if spec["kind"] == "Layer" else ("Layer", layer, "layers")
    own = getattr(nn, name)
    setattr(nn, name, inner)
    try:
        model = getattr(nn, spec["kind"])(*spec["args"], **spec["kwargs"])
    finally:
        setattr(nn, name, own)
    parts = list(getattr(model, attribute))
    for position, part in enumerate(parts):
        if isinstance(part, (neuron, layer)) and position < len(spec["parts"]):
            data = spec["parts"][position]
            part.load(position, data["weights"], data["outputs"])
    log["parts"] = [log["built"].index(p) if isinstance(p, (neuron, layer)) else -1 for p in parts]
    return model, log


def construction(log):
    return {"built": [p.built for p in log["built"]], "parts": log.get("parts", [])}


@probe("model_forward")
def model_forward(modules, spec):
    """The model called on each input in turn (the same object each time): outputs, and what its parts saw."""
    model, log = build_model(modules, spec["model"])
    results = []
    for x in spec["inputs"]:
        log["calls"] = []
        results.append({"out": numbers_of(model(list(x)), "model(x)"), "received": log["calls"]})
    return {"calls": results, **construction(log)}


@probe("model_parameters")
def model_parameters(modules, spec):
    """Which of the model's Values `parameters()` returns, by path, and whether writing to them reaches the model."""
    model, log = build_model(modules, spec["model"])
    paths = spec["paths"]
    own = {id(at_path(model, p)): p for p in paths}
    params = list(model.parameters())[:100_000]
    Value = modules["engine"].Value
    names = [
        own.get(id(p), "<a Value that is not one of the model's>" if isinstance(p, Value) else "<not a Value>")
        for p in params
    ]
    data = [number(p.data, f"parameters()[{i}].data") if isinstance(p, Value) else None for i, p in enumerate(params)]
    before = {p: number(at_path(model, p).data, p) for p in paths}
    for i, p in enumerate(params):
        if isinstance(p, Value):
            p.data = spec["marks"][i] if i < len(spec["marks"]) else -1.0
    after = {p: number(at_path(model, p).data, p) for p in paths}
    return {"paths": names, "data": data, "before": before, "after": after, **construction(log)}


def own_values(model):
    """Every weight and bias Value reachable through the contract's attributes, by path (whatever the sizes)."""
    found = {}

    def neuron(prefix, n):
        for i, w in enumerate(list(getattr(n, "w", []))[:1000]):
            found[f"{prefix}w[{i}]"] = w
        if hasattr(n, "b"):
            found[f"{prefix}b"] = n.b

    def layer(prefix, part):
        for j, n in enumerate(list(getattr(part, "neurons", []))[:1000]):
            neuron(f"{prefix}neurons[{j}].", n)

    if hasattr(model, "layers"):
        for k, part in enumerate(list(model.layers)[:100]):
            layer(f"layers[{k}].", part)
    elif hasattr(model, "neurons"):
        layer("", model)
    else:
        neuron("", model)
    return found


@probe("zero_grad")
def zero_grad(modules, spec):
    """`zero_grad()` alone, twice, on the student's own model: every weight and bias found by path, grads drawn."""
    # A subclass made here, whose `parameters()` gives the model's own Values found by path: the student's
    # `zero_grad` (inherited or its own) runs, and a bug in their `parameters()` costs nothing here.
    found = {}
    own = getattr(modules["nn"], spec["kind"])
    model = type(own.__name__, (own,), {"parameters": recorders["fixed_values"](found)})(*spec["args"])
    values = list(own_values(model).items())
    spec_order = {p: k for k, p in enumerate(spec["order"])}
    values.sort(key=lambda item: spec_order.get(item[0], -1))  # the grader's shuffled order, not the contract's
    found.update(values)
    rounds = []
    for grads in spec["grads"]:
        for k, v in enumerate(found.values()):
            v.grad = grads[k % len(grads)]
        before = [number(v.grad, f"{p}.grad") for p, v in found.items()]  # grads must hold what is written
        model.zero_grad()
        rounds.append({"before": before, "after": {p: number(v.grad, f"{p}.grad") for p, v in found.items()}})
    return rounds


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
    """`sgd_step` twice on the same parameters: their data and grads after each call."""
    Value = modules["engine"].Value
    params = []
    for data, grad in spec["params"]:
        p = Value(data)
        p.grad = grad
        params.append(p)
    rounds = []
    for _ in range(spec["rounds"]):
        modules["train"].sgd_step(params, spec["lr"])
        rounds.append(
            {
                "data": [number(p.data, f"params[{i}].data") for i, p in enumerate(params)],
                "grad": [number(p.grad, f"params[{i}].grad") for i, p in enumerate(params)],
            }
        )
    return rounds


def loop_recorders(Value, spec, log):
    """A model, a loss and a step that log what `train` does with them and compute nothing.

    The model's k-th call returns `outputs[k]`; the k-th loss is `losses[k]`, and its
    `backward()` adds `grads[k]` to the model's parameters (what a real backward
    would add, chosen by the grader); the step changes nothing.
    """
    params = [Value(x) for x in spec["params"]]
    for p, g in zip(params, spec["start"]):
        p.grad = g  # grads left over from before: `train` must zero them before each backward()
    index = {id(p): i for i, p in enumerate(params)}
    counts = {"calls": 0, "losses": 0}
    made = []  # every prediction stays alive, so that no other object takes its id

    def grads_now():
        return [number(p.grad, "a parameter's grad") for p in params]

    class Model:
        def __call__(self, x):
            k = counts["calls"]
            counts["calls"] += 1
            log.append(["call", k, numbers_of(x, "an input")])
            out = Value(spec["outputs"][k % len(spec["outputs"])])
            made.append(out)
            index[id(out)] = -(k + 1)  # predictions are known by -(call number + 1)
            return out

        def forward(self, x):
            return self(x)

        def parameters(self):
            log.append(["parameters"])
            return list(params)

        def zero_grad(self):
            log.append(["zero_grad"])
            for p in params:
                p.grad = 0.0

    def backward(loss):
        log.append(["backward", loss.k, grads_now()])
        grads = spec["grads"][loss.k % len(spec["grads"])]
        for p, g in zip(params, grads):
            p.grad = p.grad + g

    Loss = type("Loss", (Value,), {"backward": backward})

    def mse_loss(ypred, ys):
        preds = list(ypred)[:1000]
        k = counts["losses"]
        counts["losses"] += 1
        log.append(["loss", k, [index.get(id(y), -(10**9)) for y in preds], [number(y, "a target") for y in list(ys)]])
        loss = Loss(spec["losses"][k % len(spec["losses"])])
        loss.k = k
        return loss

    def sgd_step(given, lr):
        given = list(given)[:1000]
        log.append(["step", [index.get(id(p), -(10**9)) for p in given], grads_now(), number(lr, "lr")])

    return Model(), mse_loss, sgd_step


def losses_out(losses):
    if not isinstance(losses, list):
        raise TypeError(f"train returned {type(losses).__name__}, not a list")
    return {
        "types": [type(loss).__name__ for loss in losses[:1000]],
        # A Value instead of a float loses the "floats" test only: its number still counts elsewhere.
        "losses": [number(getattr(loss, "data", loss), f"losses[{i}]") for i, loss in enumerate(losses[:1000])],
    }


@probe("train_loop")
def train_loop(modules, spec):
    """The student's `train` over recorders: a model, `mse_loss` and `sgd_step` that only log."""
    student, log = modules["train"], []
    model, loss, step = loop_recorders(modules["engine"].Value, spec, log)
    own = (student.mse_loss, student.sgd_step)
    student.mse_loss, student.sgd_step = loss, step
    try:
        losses = student.train(model, [list(x) for x in spec["xs"]], list(spec["ys"]), spec["steps"], spec["lr"])
    finally:
        student.mse_loss, student.sgd_step = own
    return {**losses_out(losses), "log": log[:20_000]}


@probe("train_run")
def train_run(modules, spec):
    """The student's `train`, `mse_loss` and `sgd_step` end to end on an MLP; its weights read out as numbers."""
    model = modules["nn"].MLP(*spec["model"]["args"])
    for path, x in spec["model"]["weights"].items():
        at_path(model, path).data = x
    losses = modules["train"].train(model, [list(x) for x in spec["xs"]], list(spec["ys"]), spec["steps"], spec["lr"])
    return {**losses_out(losses), "weights": {p: number(at_path(model, p).data, p) for p in spec["model"]["weights"]}}
