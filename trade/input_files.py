"""The first look at a model file, before NumPy loads: missing, empty, a directory, or not the format its
name says. These are the common mistakes, and answering them costs only Python's own start-up."""

from __future__ import annotations

from pathlib import Path

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a .npz is a zip archive (an empty one starts with the second)


def file_problem(path: str | Path) -> str | None:
    """Why `path` cannot be a model file, as one line naming it, or None if it may be one."""
    path = Path(path)
    if not path.exists():
        return f"{path}: no such file"
    if path.is_dir():
        if any(path.glob("*.safetensors")):
            return None  # a TransformerLens model directory (checked by trade.model_inputs)
        return (f"{path}: is a directory, not a weights file (a TransformerLens model directory holds one "
                ".safetensors file and config.json)")
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as error:
        return f"{path}: cannot read ({error.strerror})"
    if not head:
        return f"{path}: empty file"
    if path.suffix == ".safetensors":
        if len(head) < 8 or int.from_bytes(head, "little") > path.stat().st_size - 8:
            return f"{path}: not a .safetensors file (its header is longer than the file; truncated?)"
        return None
    if not head.startswith(ZIP_MAGIC):
        return f"{path}: not a .npz weights file (not a zip archive; truncated?)"
    return None
