"""Native .npz round trip and the TF.js layers reader on synthetic models."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from pyapp.cnn.formats import (
    ModelFormatError,
    load_model,
    load_native,
    load_tfjs,
    load_tfjs_path,
    save_native,
)
from pyapp.cnn.model import LayerSpec, Model, sequential_cnn, tinyvgg


def test_native_round_trip(tmp_path) -> None:
    model = tinyvgg(class_names=list("abcdefghij"), rng=3)
    model.provenance = {"data": "random", "date": "2026-11-28", "test_accuracy": 0.1}
    model.preprocessing["via_size"] = 32
    path = tmp_path / "m.npz"
    save_native(model, path)
    with zipfile.ZipFile(path) as zf:  # plain arrays only: loadable without pickles
        assert "spec.json.npy" in zf.namelist() and "conv_1_1/kernel.npy" in zf.namelist()
    for loaded in (load_native(path), load_native(path.read_bytes()), load_model(path)):
        assert loaded.spec() == json.loads(json.dumps(model.spec()))
        x = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
        a, b = model.forward(x), loaded.forward(x)
        assert all(np.array_equal(a[k], b[k]) for k in a)
    spec = load_native(path).spec()
    assert spec["format"] == "cnn-explainer-native" and spec["input_shape"] == [64, 64, 3]
    assert spec["layers"][0] == {"name": "conv_1_1", "type": "conv2d", "filters": 10,
                                 "kernel_size": [3, 3], "strides": [1, 1],
                                 "padding": "valid", "dilation": [1, 1]}


def test_native_round_trip_other_architecture() -> None:
    model = sequential_cnn((32, 40, 3), blocks=((4, 6),), num_classes=3, rng=1)
    buf = io.BytesIO()
    save_native(model, buf)
    loaded = load_native(buf.getvalue())
    assert loaded.shapes == model.shapes and loaded.class_names == model.class_names


def test_native_errors(tmp_path) -> None:
    with pytest.raises(ModelFormatError, match="not a readable"):
        load_native(b"PK\x03\x04 garbage")
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros(3))
    with pytest.raises(ModelFormatError, match="spec.json"):
        load_native(buf.getvalue())
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01 nothing")
    with pytest.raises(ModelFormatError, match="neither"):
        load_model(bad)
    with pytest.raises(ModelFormatError, match="cannot read"):
        load_model(tmp_path / "missing.npz")


def keras(cls: str, **cfg) -> dict:
    return {"class_name": cls, "config": cfg}


def write_tfjs(tmp_path, layers: list[dict], weights: list[tuple[str, np.ndarray]],
               quantize: set[str] = frozenset(), shards: int = 2, **top) -> tuple:
    """Write model.json + shards; returns (path, the float32 values the reader must get)."""
    manifest, blob, expect = [], b"", {}
    for name, w in weights:
        w = np.asarray(w, np.float32)
        entry = {"name": name, "shape": list(w.shape), "dtype": "float32"}
        if name in quantize:
            lo, hi = float(w.min()), float(w.max())
            scale = (hi - lo) / 255
            q = np.round((w - lo) / scale).astype(np.uint8)
            entry["quantization"] = {"dtype": "uint8", "scale": scale, "min": lo}
            blob += q.tobytes()
            expect[name] = q.astype(np.float32) * np.float32(scale) + np.float32(lo)
        else:
            blob += w.astype("<f4").tobytes()
            expect[name] = w
        manifest.append(entry)
    cut = [len(blob) * i // shards for i in range(shards + 1)]
    paths = []
    for i in range(shards):
        p = f"group1-shard{i + 1}of{shards}.bin"
        (tmp_path / p).write_bytes(blob[cut[i]:cut[i + 1]])
        paths.append(p)
    doc = {"format": "layers-model", "modelTopology": {"model_config": {
        "class_name": "Sequential", "config": {"name": "seq", "layers": layers}}},
        "weightsManifest": [{"paths": paths, "weights": manifest}], **top}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    return path, expect


def test_tfjs_reader_fused_activations_padding_and_quantisation(tmp_path) -> None:
    g = np.random.default_rng(2)
    k1, b1 = g.standard_normal((3, 3, 3, 4)), g.standard_normal(4)
    k2 = g.standard_normal((2, 2, 4, 5))
    kd, bd = g.standard_normal((2 * 2 * 5, 6)), g.standard_normal(6)
    ko, bo = g.standard_normal((6, 3)), g.standard_normal(3)
    layers = [
        keras("InputLayer", name="in", batch_input_shape=[None, 12, 10, 3]),
        keras("Conv2D", name="c1", filters=4, kernel_size=[3, 3], strides=[2, 2],
              padding="same", dilation_rate=[1, 1], activation="relu", use_bias=True),
        keras("Conv2D", name="c2", filters=5, kernel_size=[2, 2], strides=[1, 1],
              padding="valid", dilation_rate=[2, 2], activation="linear", use_bias=False),
        keras("ReLU", name="r2"),
        keras("MaxPooling2D", name="p", pool_size=[2, 2], strides=None, padding="same"),
        keras("Flatten", name="f"),
        keras("Dense", name="d", units=6, activation="relu"),
        keras("Dense", name="out", units=3, activation="linear"),
        keras("Activation", name="sm", activation="softmax"),
    ]
    path, w = write_tfjs(tmp_path, layers, [("c1/kernel", k1), ("c1/bias", b1),
                                            ("c2/kernel", k2), ("d/kernel", kd),
                                            ("d/bias", bd), ("out/kernel", ko),
                                            ("out/bias", bo)],
                         quantize={"d/kernel"}, userDefinedMetadata={"class_names": list("uvw")})
    model = load_tfjs_path(path)
    assert [(x.name, x.type) for x in model.layers] == [
        ("c1", "conv2d"), ("c1_relu", "relu"), ("c2", "conv2d"), ("r2", "relu"),
        ("p", "max_pool2d"), ("f", "flatten"), ("d", "dense"), ("d_relu", "relu"),
        ("out", "dense")]
    assert model.class_names == ["u", "v", "w"]
    assert model.shapes["c1"] == (6, 5, 4) and model.shapes["p"] == (2, 2, 5)
    same = Model([
        LayerSpec("c1", "conv2d", {"filters": 4, "kernel_size": 3, "strides": 2,
                                   "padding": "same"}, {"kernel": w["c1/kernel"], "bias": b1}),
        LayerSpec("r1", "relu"),
        LayerSpec("c2", "conv2d", {"filters": 5, "kernel_size": 2, "dilation": 2},
                  {"kernel": k2, "bias": np.zeros(5)}),
        LayerSpec("r2", "relu"),
        LayerSpec("p", "max_pool2d", {"pool_size": 2, "padding": "same"}),
        LayerSpec("f", "flatten"),
        LayerSpec("d", "dense", {"units": 6}, {"kernel": w["d/kernel"], "bias": bd}),
        LayerSpec("dr", "relu"),
        LayerSpec("out", "dense", {"units": 3}, {"kernel": ko, "bias": bo})], (12, 10, 3))
    x = g.random((12, 10, 3), dtype=np.float32)
    assert np.array_equal(model.predict(x), same.predict(x))
    assert not np.array_equal(w["d/kernel"], kd.astype(np.float32))  # really quantised


@pytest.mark.parametrize("cls,cfg", [("Conv3D", {"filters": 2}), ("LSTM", {"units": 2}),
                                     ("Conv2DTranspose", {"filters": 2})])
def test_tfjs_unsupported_layer_is_named(tmp_path, cls, cfg) -> None:
    layers = [keras("Conv2D", name="c", filters=2, kernel_size=[1, 1], padding="valid",
                    batch_input_shape=[None, 4, 4, 3], activation="linear"),
              keras(cls, name="weird", **cfg), keras("Flatten", name="f")]
    path, _ = write_tfjs(tmp_path, layers, [("c/kernel", np.ones((1, 1, 3, 2))),
                                            ("c/bias", np.zeros(2))], shards=1)
    with pytest.raises(ModelFormatError) as err:
        load_tfjs_path(path)
    assert str(err.value) == (f"The model's layer 'weird' is of kind '{cls}', which this app "
                              "cannot show.")


def test_tfjs_other_errors(tmp_path) -> None:
    with pytest.raises(ModelFormatError, match="not a TF.js"):
        load_tfjs(b"{}", lambda p: b"")
    doc = {"modelTopology": {"class_name": "Model", "config": {}}}
    with pytest.raises(ModelFormatError, match="Sequential"):
        load_tfjs(json.dumps(doc), lambda p: b"")
    layers = [keras("Dense", name="d", units=2, activation="softsign",
                    batch_input_shape=[None, 3, 3, 1])]
    path, _ = write_tfjs(tmp_path, layers, [("d/kernel", np.ones((9, 2))),
                                            ("d/bias", np.zeros(2))], shards=1)
    with pytest.raises(ModelFormatError, match="activation 'softsign'"):
        load_tfjs_path(path)
    layers = [keras("Flatten", name="f", batch_input_shape=[None, 3, 3, 1]),
              keras("Dense", name="d", units=2)]
    path, _ = write_tfjs(tmp_path, layers, [("d/kernel", np.ones((9, 2)))], shards=1)
    with pytest.raises(ModelFormatError, match="'d/bias' not found"):
        load_tfjs_path(path)
    path, _ = write_tfjs(tmp_path, layers, [("d/kernel", np.ones((9, 2))),
                                            ("d/bias", np.zeros(2))], shards=1)
    (tmp_path / "group1-shard1of1.bin").write_bytes(b"\x00" * 8)
    with pytest.raises(ModelFormatError, match="past the end"):
        load_tfjs_path(path)


# --- the kinds teachers' small CNNs use ------------------------------------------------------
def teacher_layers() -> list[dict]:
    """Conv + BatchNorm + LeakyReLU + 'same' AveragePooling2D + Dropout, a conv with a fused
    sigmoid, GlobalAveragePooling2D, Dense + BatchNorm (no scale) + Activation tanh, a Dense
    with a fused tanh, a final softmax."""
    return [
        keras("InputLayer", name="in", batch_input_shape=[None, 16, 14, 3]),
        keras("Conv2D", name="c1", filters=4, kernel_size=[3, 3], strides=[1, 1],
              padding="same", dilation_rate=[1, 1], activation="linear", use_bias=True),
        keras("BatchNormalization", name="bn1", axis=-1, epsilon=1e-3, center=True,
              scale=True),
        keras("LeakyReLU", name="lr", alpha=0.2),
        keras("AveragePooling2D", name="ap", pool_size=[3, 3], strides=[2, 2],
              padding="same"),
        keras("Dropout", name="drop1", rate=0.25),
        keras("Conv2D", name="c2", filters=5, kernel_size=[3, 3], padding="valid",
              activation="sigmoid", use_bias=False),
        keras("GlobalAveragePooling2D", name="gap"),
        keras("Dropout", name="drop2", rate=0.5),
        keras("Dense", name="d", units=6, activation="linear"),
        keras("BatchNormalization", name="bn2", axis=[1], epsilon=1e-2, center=True,
              scale=False),
        keras("Activation", name="act", activation="tanh"),
        keras("Dense", name="d2", units=5, activation="tanh"),
        keras("Dense", name="out", units=3, activation="softmax"),
    ]


def teacher_weights(seed: int = 7) -> list[tuple[str, np.ndarray]]:
    g = np.random.default_rng(seed)
    n = g.standard_normal
    return [("c1/kernel", n((3, 3, 3, 4)) * 0.5), ("c1/bias", n(4) * 0.1),
            ("bn1/gamma", 1 + 0.3 * n(4)), ("bn1/beta", 0.2 * n(4)),
            ("bn1/moving_mean", 0.3 * n(4)), ("bn1/moving_variance", g.uniform(0.3, 2, 4)),
            ("c2/kernel", n((3, 3, 4, 5)) * 0.5),
            ("d/kernel", n((5, 6))), ("d/bias", n(6) * 0.1),
            ("bn2/beta", 0.2 * n(6)), ("bn2/moving_mean", 0.3 * n(6)),
            ("bn2/moving_variance", g.uniform(0.3, 2, 6)),
            ("d2/kernel", n((6, 5))), ("d2/bias", n(5) * 0.1),
            ("out/kernel", n((5, 3))), ("out/bias", n(3) * 0.1)]


def torch_teacher(w: dict[str, np.ndarray], image: np.ndarray) -> np.ndarray:
    """The Keras model computed by PyTorch layer by layer, BatchNorm *not* folded, dropout
    in eval mode: the logits."""
    import torch

    from pyapp.cnn import ops

    F = torch.nn.functional
    t = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in w.items()}
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
    with torch.no_grad():
        x = F.conv2d(F.pad(x, (1, 1, 1, 1)), t["c1/kernel"].permute(3, 2, 0, 1), t["c1/bias"])
        x = F.batch_norm(x, t["bn1/moving_mean"], t["bn1/moving_variance"], t["bn1/gamma"],
                         t["bn1/beta"], training=False, eps=1e-3)
        x = F.leaky_relu(x, 0.2)
        (top, bottom), (left, right) = ops.resolve_padding("same", (16, 14), (3, 3), (2, 2))
        pad = (left, right, top, bottom)
        ones = F.pad(torch.ones(1, 1, 16, 14), pad)
        x = F.avg_pool2d(F.pad(x, pad), 3, 2) / F.avg_pool2d(ones, 3, 2)
        x = F.dropout(x, 0.25, training=False)
        x = torch.sigmoid(F.conv2d(x, t["c2/kernel"].permute(3, 2, 0, 1)))
        x = F.dropout(x.mean(dim=(2, 3)), 0.5, training=False)
        x = x @ t["d/kernel"] + t["d/bias"]
        x = torch.tanh(F.batch_norm(x, t["bn2/moving_mean"], t["bn2/moving_variance"], None,
                                    t["bn2/beta"], training=False, eps=1e-2))
        x = torch.tanh(x @ t["d2/kernel"] + t["d2/bias"])
        x = x @ t["out/kernel"] + t["out/bias"]
    return x[0].numpy()


def test_tfjs_teacher_kinds_fold_batchnorm_and_match_pytorch(tmp_path) -> None:
    path, w = write_tfjs(tmp_path, teacher_layers(), teacher_weights())
    model = load_tfjs_path(path)
    assert [(x.name, x.type) for x in model.layers] == [
        ("c1", "conv2d"), ("lr", "leaky_relu"), ("ap", "avg_pool2d"), ("c2", "conv2d"),
        ("c2_sigmoid", "sigmoid"), ("gap", "global_avg_pool2d"), ("d", "dense"),
        ("act", "tanh"), ("d2", "dense"), ("d2_tanh", "tanh"), ("out", "dense")]
    assert model.layer("lr").config == {"alpha": 0.2}
    assert model.layer("ap").config == {"pool_size": [3, 3], "strides": [2, 2],
                                        "padding": "same"}
    assert model.shapes["ap"] == (8, 7, 4) and model.shapes["gap"] == (5,)
    assert not np.allclose(model.layer("c1").weights["kernel"], w["c1/kernel"])  # folded
    g = np.random.default_rng(1)
    for _ in range(3):
        x = g.random((16, 14, 3), dtype=np.float32)
        acts = model.forward(x)
        np.testing.assert_allclose(acts["out"], torch_teacher(w, x), atol=1e-5, rtol=0)
        assert acts["probabilities"].sum() == pytest.approx(1.0, abs=1e-6)


def test_tfjs_keras3_leaky_relu_and_plain_relu(tmp_path) -> None:
    layers = [keras("InputLayer", name="in", batch_shape=[None, 4, 4, 1]),
              keras("LeakyReLU", name="lr", negative_slope=0.05),
              keras("ReLU", name="r", max_value=None, negative_slope=0.0, threshold=0.0),
              keras("Flatten", name="f"), keras("Dense", name="out", units=2)]
    path, _ = write_tfjs(tmp_path, layers, [("out/kernel", np.ones((16, 2))),
                                            ("out/bias", np.zeros(2))], shards=1)
    model = load_tfjs_path(path)
    assert model.layer("lr").config == {"alpha": 0.05} and model.layer("r").type == "relu"
    layers[2] = keras("ReLU", name="r", max_value=6.0)
    path, _ = write_tfjs(tmp_path, layers, [("out/kernel", np.ones((16, 2))),
                                            ("out/bias", np.zeros(2))], shards=1)
    with pytest.raises(ModelFormatError, match="'r'.*plain ReLU"):
        load_tfjs_path(path)


@pytest.mark.parametrize("before", [
    [],  # straight after the input
    [keras("Conv2D", name="c", filters=3, kernel_size=[1, 1], activation="relu")],  # fused
])
def test_tfjs_batchnorm_that_cannot_be_folded_is_named(tmp_path, before) -> None:
    layers = [keras("InputLayer", name="in", batch_input_shape=[None, 4, 4, 3]), *before,
              keras("BatchNormalization", name="bn"), keras("Flatten", name="f"),
              keras("Dense", name="out", units=2)]
    weights = [("c/kernel", np.ones((1, 1, 3, 3))), ("c/bias", np.zeros(3)),
               ("bn/gamma", np.ones(3)), ("bn/beta", np.zeros(3)),
               ("bn/moving_mean", np.zeros(3)), ("bn/moving_variance", np.ones(3)),
               ("out/kernel", np.ones((48, 2))), ("out/bias", np.zeros(2))]
    path, _ = write_tfjs(tmp_path, layers, weights, shards=1)
    with pytest.raises(ModelFormatError) as err:
        load_tfjs_path(path)
    assert str(err.value) == ("The model's batch normalisation 'bn' does not follow a "
                              "convolution or dense layer directly, so it cannot be folded "
                              "into it.")
