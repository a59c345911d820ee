"""What ``compile(loss=..., metrics=...)`` resolves to: loss and metric objects per model output."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import losses as losses_module
from lamina import metrics as metrics_module


def flatten_outputs(tree, names=None):
    """Outputs (or targets) as a list in the model's output order: dicts by output name."""
    if isinstance(tree, dict):
        if names and set(names) <= set(tree):
            return [tree[n] for n in names]
        return list(tree.values())
    if isinstance(tree, (list, tuple)):
        return list(tree)
    return [tree]


def _per_output(spec, n_outputs, what, names=None):
    """A compile argument as one entry per output (a single entry applies to every output)."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names or []))
        if unknown:
            raise ValueError(f"`{what}` has keys {unknown} that are not output names; the "
                             f"model's outputs are {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and n_outputs > 1:
        if len(spec) != n_outputs:
            raise ValueError(f"`{what}` has {len(spec)} entries but the model has {n_outputs} outputs.")
        return list(spec)
    return [spec] * n_outputs


def _as_loss_object(loss):
    if isinstance(loss, losses_module.Loss):
        return loss
    return losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))


class CompileLoss:
    """The compiled loss: one loss per output, weighted and summed."""

    def __init__(self, loss, loss_weights=None):
        self.spec = loss
        self.loss_weights = loss_weights
        self.losses = None
        if loss is not None and not isinstance(loss, (list, tuple, dict)):
            self._single = losses_module.get(loss)  # unknown names fail at compile time

    def build(self, n_outputs, names=None):
        specs = _per_output(getattr(self, "_single", self.spec), n_outputs, "loss", names)
        self.losses = [None if s is None else _as_loss_object(losses_module.get(s)) for s in specs]
        weights = self.loss_weights
        self.weights = [1.0] * n_outputs if weights is None else [
            1.0 if w is None else w for w in _per_output(weights, n_outputs, "loss_weights", names)]
        # Keras logs each output's loss as `<output>_loss` when there are several.
        self.trackers = [metrics_module.Mean(name=f"{name}_loss") if loss is not None else None
                         for name, loss in zip(names, self.losses)] if n_outputs > 1 and names \
            else []

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None, names=None):
        ys, ps = flatten_outputs(y_true, names), flatten_outputs(y_pred, names)
        if len(ys) != len(ps):
            raise ValueError(f"The model has {len(ps)} outputs but `y` holds {len(ys)} arrays.")
        if self.losses is None or len(self.losses) != len(ps):
            self.build(len(ps), names)
        total = 0.0
        for index, (loss, weight, y, p) in enumerate(zip(self.losses, self.weights, ys, ps)):
            if loss is not None:
                value = loss(y, p, sample_weight=sample_weight, mask=mask)
                if self.trackers:
                    count = mask.sum() if mask is not None else jnp.shape(p)[0]
                    self.trackers[index].update_state(value, sample_weight=count)
                total = total + weight * value
        return total

    @property
    def metrics(self):
        return [t for t in getattr(self, "trackers", []) if t is not None]


def _accuracy_for(name, y_true, y_pred):
    """Keras's choice for ``'accuracy'``: binary, sparse categorical or categorical."""
    if y_pred.shape[-1] == 1 or y_pred.ndim == 1:
        return metrics_module.BinaryAccuracy(name=name)
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return metrics_module.SparseCategoricalAccuracy(name=name)
    return metrics_module.CategoricalAccuracy(name=name)


def resolve_metric(identifier, y_true, y_pred):
    """A metric object for a compile entry (a name, function, class or instance)."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _accuracy_for(identifier, y_true, y_pred)
    metric = metrics_module.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


class CompileMetrics:
    """The compiled metrics, resolved once the shapes of ``y`` and the outputs are known."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self.spec = metrics
        self.weighted_spec = weighted_metrics
        self.metrics = []
        self.weighted = []
        self.built = False

    def build(self, y_true, y_pred, names=None):
        ys, ps = flatten_outputs(y_true, names), flatten_outputs(y_pred, names)
        self.names = names
        self.per_output = []
        for specs, weighted in ((self.spec, False), (self.weighted_spec, True)):
            if not specs:
                continue
            if isinstance(specs, dict):
                per_output = _per_output(specs, len(ps), "metrics", names)
            elif (isinstance(specs, (list, tuple)) and len(specs) == len(ps) > 1
                  and all(isinstance(s, (list, tuple)) for s in specs)):
                per_output = list(specs)
            else:
                per_output = [specs] * len(ps)
            for index, entries in enumerate(per_output):
                for entry in entries if isinstance(entries, (list, tuple)) else [entries]:
                    if entry is None:
                        continue
                    metric = resolve_metric(entry, ys[index], ps[index])
                    if not getattr(metric, "built", True):  # sized from the data (F1Score, R2)
                        metric.build(tuple(ys[index].shape), tuple(ps[index].shape))
                    if len(ps) > 1 and names:
                        metric.name = f"{names[index]}_{metric.name}"
                    self.per_output.append((metric, index, weighted))
        self.metrics = [m for m, _, _ in self.per_output]
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None):
        names = getattr(self, "names", None)
        ys, ps = flatten_outputs(y_true, names), flatten_outputs(y_pred, names)
        for metric, index, weighted in self.per_output:
            weight = sample_weight if weighted else None
            if mask is not None:
                weight = mask if weight is None else weight * _expand(mask, weight)
            metric.update_state(ys[index], ps[index], sample_weight=weight)


def _expand(mask, like):
    like = jnp.asarray(like)
    return mask.reshape(mask.shape + (1,) * (like.ndim - 1))
