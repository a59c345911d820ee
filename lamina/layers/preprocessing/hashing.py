"""Hashing: values to a fixed number of bins with Keras's hash functions."""

import jax.numpy as jnp
import numpy as np

from lamina.core.errors import describe
from lamina.layers.preprocessing.category_encoding import encode_categorical
from lamina.layers.preprocessing.hash_functions import fingerprint64, siphash64
from lamina.layers.preprocessing.host_layer import HostLayer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(HostLayer):
    """Hashes strings or integers into ``num_bins`` bins, giving the same bins as Keras.

    Each value is hashed as text (integers by their decimal digits, floats first truncated to
    integers) with FarmHash64 (``Fingerprint64``), or with SipHash-2-4 keyed by ``salt`` when a
    salt is given, then taken modulo the number of bins. These are the functions Keras reaches
    through TensorFlow; lamina implements them in Python (see
    :mod:`~lamina.layers.preprocessing.hash_functions`), so the layer runs eagerly on the host:
    use it in the data pipeline, not inside a compiled model.

    Args:
        num_bins: number of bins, including the mask bin when ``mask_value`` is set.
        mask_value: value sent to bin 0 (the others then hash into bins ``1..num_bins-1``).
        salt: integer or pair of integers: use SipHash keyed by it.
        output_mode: ``"int"`` (bin ids, int32), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: not supported.

    >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).ravel().tolist()
    [1, 0, 1, 1, 2]
    >>> Hashing(num_bins=3, salt=133)([["A"], ["B"], ["C"], ["D"], ["E"]]).ravel().tolist()
    [0, 0, 2, 1, 0]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"{describe(self)}: `num_bins` must be a positive integer, received "
                             f"{num_bins!r}.")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{describe(self)}: `output_mode` must be one of {OUTPUT_MODES}, "
                             f"received {output_mode!r}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"{describe(self)}: output_mode='int' needs dtype 'int32' or "
                             f"'int64', received {self.dtype!r}.")
        if sparse:
            raise NotImplementedError(f"{describe(self)}: `sparse=True` is not supported; "
                                      "lamina returns dense arrays.")
        if salt is not None and not (isinstance(salt, int) or (
                isinstance(salt, (list, tuple)) and len(salt) == 2)):
            raise ValueError(f"{describe(self)}: `salt` must be an integer or a pair of "
                             f"integers, received {salt!r}.")
        self.num_bins, self.mask_value = num_bins, mask_value
        self.salt = None if salt is None else [salt, salt] if isinstance(salt, int) else list(salt)
        self.output_mode, self.sparse = output_mode, sparse

    def _hash(self, value, bins):
        data = value if isinstance(value, bytes) else str(value).encode("utf-8")
        digest = siphash64(self.salt, data) if self.salt is not None else fingerprint64(data)
        return digest % bins

    def hash_bins(self, values):
        """Bin ids (int64 numpy) for a numpy array of values."""
        bins, masked = self.num_bins, np.zeros(values.shape, bool)
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        flat = values.ravel().tolist()
        ids = np.fromiter((self._hash(v, bins) for v in flat), np.int64, len(flat))
        ids = ids.reshape(values.shape)
        return np.where(masked, 0, ids + 1) if bins != self.num_bins else ids

    def call(self, inputs):
        ids = self.hash_bins(inputs)
        if self.output_mode == "int":
            return jnp.asarray(ids, "int32")
        return encode_categorical(ids, self.output_mode, self.num_bins, self.dtype)

    def get_config(self):
        cfg = super().get_config()
        cfg["salt"] = self.salt
        return cfg
