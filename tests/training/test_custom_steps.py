"""Custom train_step, written statefully (tf.keras style) or in Keras's JAX form, compiled once."""

import jax
import jax.numpy as jnp
import numpy as np

import lamina
from tests.helpers import regression_data, seed_sequential


class StatefulStep(lamina.Sequential):
    """The default step, written by hand the way the issue shows it."""

    def __init__(self, layers, **kwargs):
        super().__init__(layers, **kwargs)
        self.loss_tracker = lamina.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        x, y = data

        def loss_fn():
            return self.compute_loss(y=y, y_pred=self(x, training=True))

        loss, grads = lamina.value_and_grad(loss_fn, self.trainable_variables)()
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def clone_layers(model):
    return [lamina.layers.Dense(64, input_dim=8), lamina.layers.Activation("relu"),
            lamina.layers.Dense(32), lamina.layers.Activation("relu"), lamina.layers.Dense(1)]


def test_stateful_custom_train_step_equals_default_fit():
    x, y = regression_data(rows=256)  # whole batches: the loss tracker weights batches equally
    default = seed_sequential()
    custom = StatefulStep(clone_layers(default))
    custom.set_weights(default.get_weights())
    histories = []
    for model in (default, custom):
        model.compile(optimizer="adam", loss="mse")
        histories.append(model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-5)
    for a, b in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


class TwoOptimizers(lamina.Model):
    """GAN-shaped: two sub-models, two optimizers built on first use inside the traced step."""

    def __init__(self):
        super().__init__()
        self.first = lamina.Sequential([lamina.layers.Dense(4, input_dim=8, activation="tanh")])
        self.second = lamina.Sequential([lamina.layers.Dense(1, input_dim=4)])
        self.opt_first = lamina.optimizers.SGD(0.05)
        self.opt_second = lamina.optimizers.Adam(0.01)
        self.first_loss = lamina.metrics.Mean(name="first_loss")

    def call(self, x):
        return self.second(self.first(x))

    def train_step(self, data):
        x, y = data
        for net, optimizer in ((self.second, self.opt_second), (self.first, self.opt_first)):
            def loss_fn():
                noise = lamina.random.normal(jnp.shape(x), stddev=0.0)  # a seedless random op
                return jnp.mean((self(x + noise, training=True) - y) ** 2)
            loss, grads = lamina.value_and_grad(loss_fn, net.trainable_variables)()
            optimizer.apply(grads, net.trainable_variables)
        self.first_loss.update_state(loss)
        return {"first_loss": self.first_loss.result()}


def test_two_optimizers_built_in_the_traced_step_match_eager_execution():
    x, y = regression_data(rows=64)
    compiled, eager = TwoOptimizers(), TwoOptimizers()
    compiled.build((None, 8))
    eager.build((None, 8))
    eager.set_weights(compiled.get_weights())
    compiled.compile()
    compiled.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for start in (0, 32):  # the same two steps, run op by op
        eager.train_step((jnp.asarray(x[start:start + 32]), jnp.asarray(y[start:start + 32])))
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(np.asarray(compiled.opt_second.iterations)) == 2
    traces = compiled._trace_count
    compiled.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert compiled._trace_count == traces  # compiled once


class JaxForm(lamina.Sequential):
    """Keras 3's stateless form, as written for Keras on JAX."""

    def compute_loss_and_updates(self, trainable, non_trainable, x, y):
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x, training=True)
        return jnp.mean((y_pred - y) ** 2), (y_pred, non_trainable)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_vars, metrics_vars = state
        x, y = data
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, (y_pred, non_trainable)), grads = grad_fn(trainable, non_trainable, x, y)
        trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
        return {"loss": loss}, (trainable, non_trainable, optimizer_vars, metrics_vars)


def test_keras_jax_form_train_step_equals_default_fit():
    x, y = regression_data(rows=128)
    default = seed_sequential()
    custom = JaxForm(clone_layers(default))
    custom.set_weights(default.get_weights())
    for model in (default, custom):
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
