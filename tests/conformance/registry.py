"""The conformance registry: one example constructor call per public layer class.

Keys are class names (``cls.__name__``, so aliases such as ``AvgPool2D`` share their class's
entry); values are keyword arguments that build a typical instance, with non-default values
where that exercises the config. A public class of ``lamina.layers`` without an entry fails
``tests/models/test_configs.py``; add one with each new layer.
"""

from lamina import activations

LAYER_EXAMPLES = {
    # core
    "Layer": {},
    "InputLayer": {"shape": (4,), "name": "features"},
    "Dense": {"units": 3, "activation": "relu", "kernel_initializer": "he_normal",
              "kernel_regularizer": "l2", "bias_constraint": "non_neg"},
    "Activation": {"activation": "tanh"},
    "Dropout": {"rate": 0.3, "noise_shape": (None, 1), "seed": 7},
    "Flatten": {},
    "Identity": {},
    "Lambda": {"function": activations.relu},
    "Embedding": {"input_dim": 10, "output_dim": 4, "mask_zero": True,
                  "embeddings_initializer": "uniform"},
    "Masking": {"mask_value": -1.0},
    # activations
    "ReLU": {"max_value": 6.0, "negative_slope": 0.1},
    "LeakyReLU": {"negative_slope": 0.2},
    "PReLU": {"alpha_initializer": "ones", "shared_axes": [1]},
    "ELU": {"alpha": 0.5},
    "Softmax": {"axis": -2},
    # merging
    "Add": {},
    "Subtract": {},
    "Multiply": {},
    "Average": {},
    "Maximum": {},
    "Minimum": {},
    "Concatenate": {"axis": 1},
    "Dot": {"axes": 1, "normalize": True},
    # convolution
    "Conv1D": {"filters": 4, "kernel_size": 3, "padding": "causal", "activation": "relu"},
    "Conv2D": {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same",
               "kernel_initializer": "lecun_normal"},
    "Conv3D": {"filters": 2, "kernel_size": 2, "use_bias": False},
    "Conv1DTranspose": {"filters": 3, "kernel_size": 3, "strides": 2},
    "Conv2DTranspose": {"filters": 3, "kernel_size": 3, "padding": "same"},
    "Conv3DTranspose": {"filters": 2, "kernel_size": 2},
    "DepthwiseConv1D": {"kernel_size": 3, "depth_multiplier": 2},
    "DepthwiseConv2D": {"kernel_size": 3, "depthwise_initializer": "ones"},
    "SeparableConv1D": {"filters": 4, "kernel_size": 3},
    "SeparableConv2D": {"filters": 4, "kernel_size": 3, "depth_multiplier": 2},
    # pooling
    "MaxPooling1D": {"pool_size": 3, "strides": 1},
    "MaxPooling2D": {"pool_size": (2, 2), "padding": "same"},
    "MaxPooling3D": {"pool_size": 2},
    "AveragePooling1D": {"pool_size": 2},
    "AveragePooling2D": {"pool_size": 2, "strides": 1},
    "AveragePooling3D": {"pool_size": 2},
    "GlobalMaxPooling1D": {"keepdims": True},
    "GlobalMaxPooling2D": {},
    "GlobalMaxPooling3D": {},
    "GlobalAveragePooling1D": {},
    "GlobalAveragePooling2D": {"keepdims": True},
    "GlobalAveragePooling3D": {},
    # normalization
    "BatchNormalization": {"momentum": 0.9, "epsilon": 1e-3, "center": False},
    "LayerNormalization": {"axis": -1, "epsilon": 1e-5},
    "GroupNormalization": {"groups": 2},
    "UnitNormalization": {"axis": -1},
    "RMSNormalization": {"epsilon": 1e-5},
    # regularization
    "SpatialDropout1D": {"rate": 0.2},
    "SpatialDropout2D": {"rate": 0.2},
    "SpatialDropout3D": {"rate": 0.2},
    "GaussianNoise": {"stddev": 0.1, "seed": 3},
    "GaussianDropout": {"rate": 0.1},
    "AlphaDropout": {"rate": 0.1},
    "ActivityRegularization": {"l1": 0.01, "l2": 0.02},
    # reshaping and resampling
    "Reshape": {"target_shape": (2, 3)},
    "Permute": {"dims": (2, 1)},
    "RepeatVector": {"n": 3},
    "Cropping1D": {"cropping": (1, 2)},
    "Cropping2D": {"cropping": ((1, 0), (0, 1))},
    "Cropping3D": {"cropping": 1},
    "ZeroPadding1D": {"padding": 2},
    "ZeroPadding2D": {"padding": (1, 2)},
    "ZeroPadding3D": {"padding": 1},
    "UpSampling1D": {"size": 3},
    "UpSampling2D": {"size": (2, 3), "interpolation": "bilinear"},
    "UpSampling3D": {"size": 2},
    # preprocessing
    "CategoryEncoding": {"num_tokens": 5, "output_mode": "count"},
    "CenterCrop": {"height": 4, "width": 3},
    "Discretization": {"bin_boundaries": [0.0, 1.0, 2.0]},
    "Hashing": {"num_bins": 8, "salt": 3},
    "IntegerLookup": {"vocabulary": [3, 5, 7], "num_oov_indices": 2},
    "StringLookup": {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"},
    "Normalization": {"mean": [1.0, 2.0], "variance": [4.0, 9.0]},
    "Rescaling": {"scale": 1 / 255, "offset": -1.0},
    "Resizing": {"height": 6, "width": 5, "interpolation": "nearest"},
    "TextVectorization": {"max_tokens": 20, "output_sequence_length": 5,
                          "vocabulary": ["the", "cat"]},
}
