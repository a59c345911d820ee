"""Layers: the building blocks of models."""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.activation import Activation
from lamina.layers.dense import Dense
from lamina.layers.dropout import Dropout
from lamina.layers.flatten import Flatten
from lamina.layers.input_layer import Input, InputLayer

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec", "Layer"]
