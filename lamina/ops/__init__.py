"""``lamina.ops``: every name of ``keras.ops``, on JAX.

Ops accept arrays, Python numbers and lists, and :class:`~lamina.Variable` objects, and work the
same eagerly and inside compiled functions. The sub-modules mirror Keras's: ``ops.numpy``,
``ops.nn``, ``ops.linalg`` and ``ops.image`` (only reachable as ``ops.image.*``, as in Keras);
core ops (control flow, casting, scatter) and math ops sit at the top level.
"""

from lamina.ops import image, linalg, nn, numpy  # noqa: F401
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.einops import *  # noqa: F401,F403
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.math import *  # noqa: F401,F403
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.numpy import *  # noqa: F401,F403
