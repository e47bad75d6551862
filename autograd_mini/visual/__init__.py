"""Seeing backpropagation: ``draw`` (a graph or a network), ``animate`` (the backward pass
step by step) and ``explain`` (a gradient as a sum over chain-rule paths).

The data flows one way: ``analysis`` reads the graph once (an ``Analysis``: order, names,
op texts, an MLP's neurons, the backward pass); ``value_scene`` and ``netview`` turn it
into a ``scene.Scene`` (the picture's data); ``digraph`` writes a scene as DOT and
``rendering`` runs the renderer (DOT -> SVG/PNG). ``paths`` and ``explain`` read the same
analysis and count the chain-rule paths; ``animate`` paints the rendered SVG frame by
frame and ``player`` wraps the frames in a page (``assets/``: its script and style).
"""
