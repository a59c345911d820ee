"""The errors loading can raise: every refusal is a ``LoadError`` (a ``ValueError``).

Code that loads files it did not write catches ``LoadError``; the subclass says why:

- :class:`CorruptFileError`: the file is damaged or is not what its name says (wrong magic
  bytes, truncated, missing members or datasets, datasets of the wrong shape, bad JSON).
- :class:`UnsafeFileError`: the file asks for something loading refuses to do (members named
  ``../x`` or ``/x``, duplicate members, declared sizes far beyond what is stored, links out of
  an HDF5 file, Python bytecode while ``safe_mode`` is on).
- :class:`WeightsMismatchError`: the weights in the file do not fit the model (another
  number of variables, other shapes); ``skip_mismatch=True`` skips those layers instead.
- :class:`UnknownObjectError`: the config names a class or function that is neither built in
  nor registered (``register_keras_serializable`` or ``custom_objects``).
"""


class LoadError(ValueError):
    """A file could not be loaded; the message says what was wrong and what to do."""


class CorruptFileError(LoadError):
    """The file is damaged, truncated, or not in the format its name promises.

    >>> issubclass(CorruptFileError, ValueError)
    True
    """


class UnsafeFileError(LoadError):
    """The file asks for something that loading refuses to do by default."""


class UnknownObjectError(LoadError):
    """The config names a class or function that is neither built in nor registered."""


class WeightsMismatchError(LoadError):
    """The file's weights do not fit the model they are loaded into."""
