"""The build side: data, training, heads, guards, indexes, exports, evaluation, model cards and shipping."""
