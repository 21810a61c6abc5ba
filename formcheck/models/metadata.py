"""The TFLite metadata the Tasks API needs, written as mediapipe's own `MetadataPopulator` does.

The registry packages' networks carry no `ModelMetadata` (or not the one the Tasks API reads);
this adds it, byte for byte as mediapipe's writer would, because mediapipe 1.2.2's metadata
writer does not import. Needs flatbuffers (the build-models extra); used only by
`formcheck models build`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from formcheck.errors import UserError


@dataclass(frozen=True)
class NetworkMetadata:
    """The fields of one network's `ModelMetadata` (MODELS.md, "What the Tasks API needs")."""

    name: str
    description: str
    norm_mean: float
    norm_std: float
    outputs: tuple[str, ...]


DETECTOR_METADATA = NetworkMetadata(
    "Pose Detection", "Detects human poses", 127.5, 127.5, ("raw boxes/keypoints", "scores")
)
LANDMARKER_METADATA = NetworkMetadata(
    "Pose Landmark",
    "Detects human pose landmarks with frontal camera.",
    0.0,
    255.0,
    ("landmarks", "presence", "segmentation_mask", "heat_map", "world_landmarks"),
)
METADATA_AUTHOR = "MediaPipe"
METADATA_VERSION = "1"
MIN_PARSER_VERSION = "1.0.0"


def _schema_modules():  # type: ignore[no-untyped-def]
    """The flatbuffers schema modules shipped in mediapipe 1.2.2 (imported only to build)."""
    try:
        import flatbuffers  # noqa: F401
        from mediapipe.tasks.metadata import metadata_schema_py_generated as md_fb
        from mediapipe.tasks.metadata import schema_py_generated as tfl_fb
    except ImportError as exc:
        raise UserError(
            f"building models needs {exc.name or 'flatbuffers and mediapipe'}: "
            "pip install 'formcheck[build-models]'"
        ) from exc
    return md_fb, tfl_fb


def metadata_buffer(meta: NetworkMetadata) -> bytes:
    """A `ModelMetadata` flatbuffer (identifier M001) for an image-in, features-out network.

    Packed twice, as the writer and then `MetadataPopulator.load_metadata_buffer` do (the second
    pass adds the min parser version and stores the float vectors through numpy): the bytes
    depend on that path, and the bundle's sha256 on the bytes.
    """
    import flatbuffers

    md_fb, _ = _schema_modules()
    image = md_fb.TensorMetadataT()
    image.name = "image"
    content = md_fb.ContentT()
    content.contentPropertiesType = md_fb.ContentProperties.ImageProperties
    content.contentProperties = md_fb.ImagePropertiesT()
    content.contentProperties.colorSpace = md_fb.ColorSpaceType.RGB
    image.content = content
    norm = md_fb.ProcessUnitT()
    norm.optionsType = md_fb.ProcessUnitOptions.NormalizationOptions
    norm.options = md_fb.NormalizationOptionsT()
    norm.options.mean = [meta.norm_mean]
    norm.options.std = [meta.norm_std]
    image.processUnits = [norm]
    stats = md_fb.StatsT()
    stats.min = [(0.0 - meta.norm_mean) / meta.norm_std]
    stats.max = [(255.0 - meta.norm_mean) / meta.norm_std]
    image.stats = stats

    outputs = []
    for name in meta.outputs:
        out = md_fb.TensorMetadataT()
        out.name = name
        out_content = md_fb.ContentT()
        out_content.contentPropertiesType = md_fb.ContentProperties.FeatureProperties
        out_content.contentProperties = md_fb.FeaturePropertiesT()
        out.content = out_content
        out.stats = md_fb.StatsT()
        outputs.append(out)

    subgraph = md_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs
    model_md = md_fb.ModelMetadataT()
    model_md.name = meta.name
    model_md.description = meta.description
    model_md.version = METADATA_VERSION
    model_md.author = METADATA_AUTHOR
    model_md.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(0)
    builder.Finish(model_md.Pack(builder), b"M001")
    first = builder.Output()
    again = md_fb.ModelMetadataT.InitFromObj(md_fb.ModelMetadata.GetRootAsModelMetadata(first, 0))
    again.minParserVersion = MIN_PARSER_VERSION
    builder = flatbuffers.Builder(0)
    builder.Finish(again.Pack(builder), b"M001")
    return bytes(builder.Output())


# An empty zip (just its end-of-central-directory record) appended after the model, as
# MetadataPopulator leaves it; the offset field points at the end of the model.
def _empty_zip_after(model: bytes) -> bytes:
    buf = io.BytesIO()
    buf.write(model)
    with zipfile.ZipFile(buf, "a"):
        pass
    return buf.getvalue()


def populate_metadata(model: bytes, meta: NetworkMetadata) -> bytes:
    """The network with its `TFLITE_METADATA` buffer (replacing any it had), repacked."""
    import flatbuffers

    _, tfl_fb = _schema_modules()
    model_t = tfl_fb.ModelT.InitFromObj(tfl_fb.Model.GetRootAsModel(model, 0))
    buffer_t = tfl_fb.BufferT()
    buffer_t.data = bytearray(metadata_buffer(meta))
    if not model_t.metadata:
        model_t.metadata = []
    if not model_t.buffers:
        model_t.buffers = []
    existing = [m for m in model_t.metadata if m.name.decode("utf-8") == "TFLITE_METADATA"]
    if existing:
        for entry in existing:
            model_t.buffers[entry.buffer] = buffer_t
    else:
        model_t.buffers.append(buffer_t)
        entry = tfl_fb.MetadataT()
        entry.name = "TFLITE_METADATA"
        entry.buffer = len(model_t.buffers) - 1
        model_t.metadata.append(entry)
    builder = flatbuffers.Builder(0)
    builder.Finish(model_t.Pack(builder), b"TFL3")
    return _empty_zip_after(bytes(builder.Output()))
