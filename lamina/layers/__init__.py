"""Layers: the building blocks of models, with Keras's names."""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.activation import Activation
from lamina.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from lamina.layers.attention import (AdditiveAttention, Attention, EinsumDense,
                                     GroupedQueryAttention, GroupQueryAttention,
                                     MultiHeadAttention)
from lamina.layers.core_misc import Identity, Lambda
from lamina.layers.dense import Dense
from lamina.layers.dropout import Dropout
from lamina.layers.embedding import Embedding, Masking
from lamina.layers.flatten import Flatten
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                 Subtract, add, average, concatenate, dot, maximum, minimum,
                                 multiply, subtract)
from lamina.layers.normalization import (BatchNormalization, GroupNormalization,
                                         LayerNormalization, RMSNormalization, UnitNormalization)
from lamina.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Hashing,
                                         IntegerLookup, Normalization, Rescaling, Resizing,
                                         StringLookup, TextVectorization)
from lamina.layers.recurrent import (GRU, LSTM, RNN, Bidirectional, ConvLSTM1D, ConvLSTM2D,
                                     ConvLSTM3D, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                                     StackedRNNCells, TimeDistributed)
from lamina.layers.regularization import (ActivityRegularization, AlphaDropout, GaussianDropout,
                                          GaussianNoise, SpatialDropout1D, SpatialDropout2D,
                                          SpatialDropout3D)
from lamina.layers.resampling import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D,
                                      UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                                      ZeroPadding3D)
from lamina.layers.reshaping import Permute, RepeatVector, Reshape
from lamina.layers.conv import (Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D,
                                Convolution3D)
from lamina.layers.conv_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                          Convolution1DTranspose, Convolution2DTranspose,
                                          Convolution3DTranspose)
from lamina.layers.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from lamina.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                   AvgPool1D, AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
                                   GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D,
                                   GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D,
                                   GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D,
                                   MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from lamina.layers.separable_conv import (SeparableConv1D, SeparableConv2D,
                                          SeparableConvolution1D, SeparableConvolution2D)
