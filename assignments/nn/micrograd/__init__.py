"""micrograd: a tiny autograd engine and neural-network library, written by you.

- `micrograd.engine`: `Value`, a scalar that remembers how it was computed, and backpropagation.
- `micrograd.nn`: `Neuron`, `Layer` and `MLP` built from Values.
- `micrograd.train`: the loss, a gradient-descent step and the training loop.
- `micrograd.viz`: `draw_dot`, a picture of the computation graph (provided).
"""
