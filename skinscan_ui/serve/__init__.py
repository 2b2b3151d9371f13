"""The serve side: a photo in, an answer out (LiteRT, numpy and Pillow; no Keras, TensorFlow or scikit-learn)."""
