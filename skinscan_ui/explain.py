"""Grad-CAM: tf-keras-vis as the reference method, and a fast path built once per model.

The fast path computes the class scores, the pooled features and the heatmap in one compiled
forward+backward pass; a test shows it matches tf-keras-vis's `Gradcam`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from scipy.ndimage import zoom


def _pre_softmax(model):
    """(inputs -> [last conv, penultimate features]) and the final Dense layer, for logits."""
    import keras

    dense = model.layers[-1]
    if not isinstance(dense, keras.layers.Dense):
        raise TypeError(f"model {model.name} must end in a Dense layer, not {type(dense).__name__}")
    return dense


class GradCam:
    """Probabilities, features and a Grad-CAM heatmap from one compiled pass."""

    def __init__(self, model, layer: str):
        import keras

        self.dense = _pre_softmax(model)
        self.size = tuple(model.input_shape[1:3])
        self.graph = keras.Model(model.inputs, [model.get_layer(layer).output, self.dense.input])
        self._forward = tf.function(self._forward_impl, reduce_retracing=True)
        self._explain = tf.function(self._explain_impl, reduce_retracing=True)

    def _logits(self, features):
        return tf.matmul(features, self.dense.kernel) + self.dense.bias

    def _forward_impl(self, images):
        _, features = self.graph(images, training=False)
        return tf.nn.softmax(self._logits(features)), features

    def _explain_impl(self, images, class_index):
        with tf.GradientTape() as tape:
            conv, features = self.graph(images, training=False)
            logits = self._logits(features)
            top1 = tf.argmax(logits, axis=1, output_type=tf.int32)
            chosen = tf.where(class_index < 0, top1, tf.fill(tf.shape(top1), class_index))
            score = tf.gather(logits, chosen, axis=1, batch_dims=1)
        grads = tape.gradient(score, conv)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * conv, axis=-1))
        return tf.nn.softmax(logits), features, cam

    def forward(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Uncalibrated softmax probabilities and penultimate features for a uint8 batch."""
        probs, features = self._forward(tf.convert_to_tensor(images, tf.float32))
        return probs.numpy(), features.numpy()

    def explain(self, images: np.ndarray, class_index: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities, features, heatmaps in [0, 1] at input size) in one pass.

        `class_index` -1 explains each image's own top-1 class.
        """
        probs, features, cams = self._explain(
            tf.convert_to_tensor(images, tf.float32), tf.constant(class_index, tf.int32)
        )
        return probs.numpy(), features.numpy(), np.stack([upsample(c, self.size) for c in cams.numpy()])


def upsample(cam: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A coarse heatmap stretched (linear spline, as tf-keras-vis does) to (height, width), in [0, 1]."""
    out = zoom(cam.astype(np.float32), (size[0] / cam.shape[0], size[1] / cam.shape[1]), order=1)
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)


def reference_gradcam(model, image: np.ndarray, class_index: int, layer: str, method: str = "gradcam") -> np.ndarray:
    """tf-keras-vis's Grad-CAM (or Grad-CAM++ / Score-CAM) on the pre-softmax score, in [0, 1]."""
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
    from tf_keras_vis.scorecam import Scorecam
    from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
    from tf_keras_vis.utils.scores import CategoricalScore

    cls = {"gradcam": Gradcam, "gradcam++": GradcamPlusPlus, "scorecam": Scorecam}[method]
    explainer = cls(model, model_modifier=ReplaceToLinear(), clone=True)
    kwargs = {"max_N": 16} if method == "scorecam" else {}
    cam = explainer(CategoricalScore([class_index]), image[None].astype(np.float32), penultimate_layer=layer, **kwargs)
    cam = np.nan_to_num(np.asarray(cam[0], dtype=np.float32))
    lo, hi = float(cam.min()), float(cam.max())
    return (cam - lo) / (hi - lo) if hi > lo else np.zeros_like(cam)


def colormap(cam: np.ndarray) -> np.ndarray:
    """The 'jet' colour scale (blue = ignored, red = decisive) as uint8 RGB."""
    x = np.clip(cam, 0.0, 1.0)[..., None]
    rgb = np.clip(1.5 - np.abs(4.0 * x - np.array([3.0, 2.0, 1.0])), 0.0, 1.0)
    return (rgb * 255).astype(np.uint8)


def overlay(image: np.ndarray, cam: np.ndarray, opacity: float = 0.45) -> np.ndarray:
    """The heatmap blended over the photo (both at the model's input size)."""
    blended = (1.0 - opacity) * image.astype(np.float32) + opacity * colormap(cam).astype(np.float32)
    return np.clip(blended, 0, 255).astype(np.uint8)
