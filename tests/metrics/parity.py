"""Shared checks of lamina metrics against Keras's (the oracle)."""

import json
import re

import keras
import numpy as np

from lamina import metrics


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def base_name(name):
    """``auc_3`` -> ``auc``: the automatic suffixes differ between the two libraries."""
    return re.sub(r"_\d+$", "", name)


def check_against_keras(cls_name, kwargs, batches, tol=1e-5):
    """Two weighted updates, result after each, reset, then an unweighted update; both sides.

    ``batches`` is a list of three ``(y_true, y_pred, sample_weight)``.
    """
    ours = getattr(metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert base_name(ours.name) == base_name(theirs.name)
    for y_true, y_pred, weight in batches[:2]:
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        close(ours.result(), theirs.result(), tol)
    assert [(v.name, v.shape) for v in ours.variables] == [
        (v.name, tuple(v.shape)) for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    close(ours.result(), theirs.result(), tol)
    y_true, y_pred, _ = batches[2]
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    close(ours.result(), theirs.result(), tol)
    return ours


def check_config(cls_name, kwargs):
    """Config round trips through JSON, ``from_config``, ``get`` and ``deserialize``; the keys
    Keras writes hold the values Keras writes."""
    metric = getattr(metrics, cls_name)(name="m", **kwargs)
    cfg = metric.get_config()
    assert json.loads(json.dumps(cfg)) == cfg
    assert type(metric).from_config(cfg).get_config() == cfg
    keras_cfg = getattr(keras.metrics, cls_name)(name="m", **kwargs).get_config()
    keras_cfg = json.loads(json.dumps(keras_cfg, default=lambda a: np.asarray(a).tolist()))
    assert {k: cfg[k] for k in keras_cfg} == keras_cfg
    assert metrics.get({"class_name": cls_name, "config": cfg}).get_config() == cfg
    assert metrics.deserialize(metrics.serialize(metric)).get_config() == cfg
