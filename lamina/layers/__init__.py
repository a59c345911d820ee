"""Layers: the building blocks of models, with Keras's names."""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.activation import Activation
from lamina.layers.dense import Dense
from lamina.layers.dropout import Dropout
from lamina.layers.flatten import Flatten
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                 Subtract, add, average, concatenate, dot, maximum, minimum,
                                 multiply, subtract)
from lamina.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Hashing,
                                         IntegerLookup, Normalization, Rescaling, Resizing,
                                         StringLookup, TextVectorization)
