#!/usr/bin/env python3
"""Reference outputs of fer's EmotionNet (mini-Xception, Keras 2.0.5) for the engine's parity test.

An independent implementation: NumPy reading the same HDF5 file with h5py, each layer written
from Keras's definitions (TensorFlow's SAME padding, channels last, batch normalisation with the
moving statistics). It writes reference.safetensors beside this script: the inputs [4, 1, 64, 64]
(NCHW, values in [-1, 1] as fer feeds the network), the logits (global_average_pooling2d_1,
[4, 7]), the probabilities (predictions, [4, 7]) and one inner activation (add_2, NCHW).

It also writes three small Keras-layout models of its own with random weights (nothing of fer's):
general.h5 over the layer kinds EmotionNet does not use (DepthwiseConv2D with a multiplier,
AveragePooling2D with SAME padding, Flatten, Dropout, Dense with softmax) with its reference
output in the same safetensors file, and two broken variants of it: unknown-layer.h5 (an LSTM in
the graph) and missing-weights.h5 (the dense layer's weights absent).

    /usr/bin/python3 Tests/Fixtures/emotion/make_fixture.py models/emotion_model.hdf5

Needs numpy, h5py and safetensors (PyPI). Nothing of the weights is written, only outputs.
"""
import json
import os
import sys

import h5py
import numpy as np
from safetensors.numpy import save_file


def same_pad(size, window, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def pad(x, window, stride, padding, value):
    if padding != "same":
        return x
    (t, b), (l, r) = same_pad(x.shape[1], window, stride), same_pad(x.shape[2], window, stride)
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def conv(x, kernel, stride, padding):  # x [N, H, W, C] (float64), kernel [kh, kw, C, O]
    kh, kw, _, _ = kernel.shape
    x = pad(x, kh, stride, padding, 0.0)
    n, h, w, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, kernel.shape[3]))
    for dy in range(kh):
        for dx in range(kw):
            patch = x[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :]
            out += np.einsum("nhwc,co->nhwo", patch, kernel[dy, dx])
    return out


def depthwise(x, kernel, stride, padding):  # kernel [kh, kw, C, 1]
    kh, kw, _, _ = kernel.shape
    x = pad(x, kh, stride, padding, 0.0)
    n, h, w, c = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, c))
    for dy in range(kh):
        for dx in range(kw):
            out += x[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :] * kernel[dy, dx, :, 0]
    return out


def depthwise_multiplied(x, kernel, stride, padding):  # kernel [kh, kw, C, m]: output c*m + j
    parts = [depthwise(x, kernel[:, :, :, j:j + 1], stride, padding) for j in range(kernel.shape[3])]
    return np.stack(parts, axis=-1).reshape(parts[0].shape[:3] + (-1,))


def average_pool(x, window, stride, padding):  # TensorFlow leaves the padding out of each mean
    ones = pad(np.ones_like(x), window, stride, padding, 0.0)
    x = pad(x, window, stride, padding, 0.0)
    n, h, w, c = x.shape
    oh, ow = (h - window) // stride + 1, (w - window) // stride + 1
    total, count = np.zeros((n, oh, ow, c)), np.zeros((n, oh, ow, c))
    for dy in range(window):
        for dx in range(window):
            total += x[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :]
            count += ones[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :]
    return total / count


def max_pool(x, window, stride, padding):
    x = pad(x, window, stride, padding, -np.inf)
    n, h, w, c = x.shape
    oh, ow = (h - window) // stride + 1, (w - window) // stride + 1
    out = np.full((n, oh, ow, c), -np.inf)
    for dy in range(window):
        for dx in range(window):
            out = np.maximum(out, x[:, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride, :])
    return out


def run(path, inputs, keep):
    f = h5py.File(path, "r")
    layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    weights = f["model_weights"]

    def weight(layer, suffix):
        group = weights[layer]
        for name in group.attrs["weight_names"]:
            name = name.decode()
            if name.endswith("/" + suffix + ":0"):
                return np.array(group[name], dtype=np.float64)
        raise KeyError(layer + "/" + suffix)

    values, kept = {}, {}
    for layer in layers:
        kind, c, name = layer["class_name"], layer["config"], layer["config"]["name"]
        args = [values[i[0]] for i in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
        if kind == "InputLayer":
            y = inputs.transpose(0, 2, 3, 1).astype(np.float64)
        elif kind == "Conv2D":
            y = conv(args[0], weight(name, "kernel"), c["strides"][0], c["padding"])
            if c["use_bias"]:
                y = y + weight(name, "bias")
        elif kind == "SeparableConv2D":
            y = depthwise(args[0], weight(name, "depthwise_kernel"), c["strides"][0], c["padding"])
            y = conv(y, weight(name, "pointwise_kernel"), 1, "valid")
            if c["use_bias"]:
                y = y + weight(name, "bias")
        elif kind == "BatchNormalization":
            mean, var = weight(name, "moving_mean"), weight(name, "moving_variance")
            y = (args[0] - mean) / np.sqrt(var + c["epsilon"]) * weight(name, "gamma") + weight(name, "beta")
        elif kind == "Activation":
            y = args[0]
        elif kind == "DepthwiseConv2D":
            y = depthwise_multiplied(args[0], weight(name, "depthwise_kernel"), c["strides"][0], c["padding"])
            if c["use_bias"]:
                y = y + weight(name, "bias")
        elif kind == "AveragePooling2D":
            y = average_pool(args[0], c["pool_size"][0], c["strides"][0], c["padding"])
        elif kind == "Flatten":
            y = args[0].reshape(args[0].shape[0], -1)
        elif kind == "Dropout":
            y = args[0]
        elif kind == "Dense":
            y = args[0] @ weight(name, "kernel")
            if c["use_bias"]:
                y = y + weight(name, "bias")
        elif kind == "MaxPooling2D":
            y = max_pool(args[0], c["pool_size"][0], c["strides"][0], c["padding"])
        elif kind == "Add":
            y = sum(args)
        elif kind == "GlobalAveragePooling2D":
            y = args[0].mean(axis=(1, 2))
        else:
            raise ValueError(kind)
        activation = c.get("activation", "linear")
        if activation == "relu":
            y = np.maximum(y, 0)
        elif activation == "softmax":
            e = np.exp(y - y.max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        values[name] = y
        if name in keep:
            kept[name] = y.transpose(0, 3, 1, 2) if y.ndim == 4 else y
    return kept


def layer(kind, name, inputs, **config):
    config["name"] = name
    return {"class_name": kind, "name": name, "config": config,
            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []}


def write_model(path, layers, weights):
    """A Keras-2-layout HDF5 model file of our own (random weights): model_config, model_weights."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.0.5"
        f.attrs["backend"] = b"tensorflow"
        config = {"class_name": "Model", "config": {"name": "m", "layers": layers}}
        f.attrs["model_config"] = json.dumps(config).encode()
        group = f.create_group("model_weights")
        for l in layers:
            g = group.create_group(l["name"])
            names = [f"{l['name']}_1/{k}:0" for k in weights.get(l["name"], {})]
            g.attrs["weight_names"] = np.array([n.encode() for n in names])
            for n, (k, v) in zip(names, weights.get(l["name"], {}).items()):
                g.create_dataset(n, data=v.astype(np.float32))


def general_models(folder, rng):
    """A small model over the layer kinds EmotionNet does not use, and two broken variants."""
    layers = [
        layer("InputLayer", "input", [], batch_input_shape=[None, 9, 9, 2]),
        layer("DepthwiseConv2D", "depthwise", ["input"], kernel_size=[3, 3], strides=[2, 2], padding="same",
              depth_multiplier=2, use_bias=True, activation="relu", data_format="channels_last"),
        layer("AveragePooling2D", "pool", ["depthwise"], pool_size=[2, 2], strides=[2, 2], padding="same",
              data_format="channels_last"),
        layer("Flatten", "flatten", ["pool"]),
        layer("Dropout", "dropout", ["flatten"], rate=0.5),
        layer("Dense", "dense", ["dropout"], units=3, use_bias=True, activation="softmax"),
    ]
    weights = {
        "depthwise": {"depthwise_kernel": rng.normal(0, 0.5, (3, 3, 2, 2)), "bias": rng.normal(0, 0.1, 4)},
        "dense": {"kernel": rng.normal(0, 0.5, (36, 3)), "bias": rng.normal(0, 0.1, 3)},
    }
    write_model(os.path.join(folder, "general.h5"), layers, weights)
    unknown = [dict(l) for l in layers]
    unknown[3] = layer("LSTM", "flatten", ["pool"], units=4)
    write_model(os.path.join(folder, "unknown-layer.h5"), unknown, weights)
    write_model(os.path.join(folder, "missing-weights.h5"), layers, {"depthwise": weights["depthwise"]})
    inputs = rng.uniform(-1, 1, (2, 2, 9, 9)).astype(np.float32)
    return inputs, run(os.path.join(folder, "general.h5"), inputs, {"dense"})["dense"].astype(np.float32)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "models/emotion_model.hdf5"
    rng = np.random.default_rng(17)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    smooth = np.stack([
        np.sin(6 * xx) * np.cos(4 * yy),
        1 - 2 * np.hypot(xx - 0.5, yy - 0.45),
        rng.uniform(-1, 1, (64, 64)),
        np.clip(rng.normal(0, 0.5, (64, 64)) + (yy - 0.5), -1, 1),
    ])
    inputs = smooth[:, None, :, :].astype(np.float32)
    kept = run(path, inputs, {"global_average_pooling2d_1", "predictions", "add_2"})
    out = {
        "input": inputs,
        "logits": kept["global_average_pooling2d_1"].astype(np.float32),
        "probabilities": kept["predictions"].astype(np.float32),
        "add_2": kept["add_2"].astype(np.float32),
    }
    folder = os.path.dirname(os.path.abspath(__file__))
    out["general_input"], out["general_output"] = general_models(folder, np.random.default_rng(5))
    target = os.path.join(folder, "reference.safetensors")
    save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, target)
    print(target, {k: v.shape for k, v in out.items()})


if __name__ == "__main__":
    main()
