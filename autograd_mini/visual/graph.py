"""The old path of the graph analysis, kept for code that imports it from here: the
names now live in ``analysis`` (backward_steps, Step, more_than, count_paths),
``naming`` (constant_of, op_text, node_names, parameter_names), ``mlp`` (clusters,
neuron_names) and ``digits`` (format_number, once ``number``)."""

from .analysis import Step, backward_steps, count_paths, more_than
from .digits import format_number as number
from .naming import constant_of, node_names, op_text, parameter_names

__all__ = ["Step", "backward_steps", "count_paths", "more_than", "number", "constant_of",
           "node_names", "op_text", "parameter_names"]
