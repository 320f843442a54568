#!/usr/bin/env python3
"""Checks a layershuffle export directory with the reference ONNX checker.

Usage: python3 check_export.py EXPORT_DIR [EXPORT_DIR ...]

For every export directory: each file the manifest names exists, its SHA-256 matches, and every *.onnx
file in the directory passes onnx.checker.check_model(full_check=True) (structure plus strict shape
inference), declares IR version and opset as the manifest says, and has the inputs and outputs (names,
element types, shapes with the dynamic "batch" axis) the manifest lists. Exits 1 on the first failing
directory after reporting every problem in it; needs only the `onnx` package.
"""
import hashlib
import json
import pathlib
import sys

import onnx

TYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64"}


def ports(values):
    out = []
    for v in values:
        t = v.type.tensor_type
        shape = [-1 if d.dim_param == "batch" else d.dim_value for d in t.shape.dim]
        out.append({"name": v.name, "type": TYPES.get(t.elem_type, str(t.elem_type)), "shape": shape})
    return out


def check(directory: pathlib.Path) -> list:
    problems = []
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    entries = [("stem", manifest["stem"]), ("head", manifest["head"])]
    entries += [(f"block {b['index']}", b) for b in manifest["blocks"]]
    if "full" in manifest:
        entries.append(("full", manifest["full"]))
    named = set()
    for part, entry in entries:
        path = directory / entry["file"]
        named.add(entry["file"])
        if not path.is_file():
            problems.append(f"{part}: {entry['file']} is missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            problems.append(f"{part}: sha256 of {entry['file']} is {digest}, manifest says {entry['sha256']}")
        try:
            onnx.checker.check_model(str(path), full_check=True)
        except Exception as e:  # the checker raises several exception types
            problems.append(f"{part}: onnx.checker rejects {entry['file']}: {e}")
            continue
        model = onnx.load(str(path))
        if model.ir_version != manifest["irVersion"]:
            problems.append(f"{part}: IR version {model.ir_version}, manifest says {manifest['irVersion']}")
        opsets = {o.domain: o.version for o in model.opset_import}
        if opsets.get("", opsets.get("ai.onnx")) != manifest["opset"]:
            problems.append(f"{part}: opset {opsets}, manifest says {manifest['opset']}")
        for kind, declared in (("inputs", model.graph.input), ("outputs", model.graph.output)):
            if ports(declared) != entry[kind]:
                problems.append(f"{part}: {kind} {ports(declared)} differ from the manifest's {entry[kind]}")
    for extra in sorted(p.name for p in directory.glob("*.onnx") if p.name not in named):
        problems.append(f"{extra} is in the directory but not in the manifest")
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for arg in argv[1:]:
        directory = pathlib.Path(arg)
        problems = check(directory)
        if problems:
            status = 1
            print(f"FAIL {directory}")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"OK   {directory} (onnx {onnx.__version__})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
