"""Reference explanations from tf-keras-vis on the Keras model, to check the served in-graph maps against."""

from __future__ import annotations

import numpy as np


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
