"""Checkpoints: a directory of safetensors (tensors) and JSON (everything else), never pickles.

Layout of a checkpoint directory:

- `model.safetensors`: the model's state dict;
- `checkpoint.json`: format, vocabulary fingerprint, `ModelDimensions`,
  tokenizer config, training config, step, metrics, and free-form trainer state
  (data position, optimizer hyperparameters);
- `training.safetensors` (optional): optimizer moments and RNG states, so that a
  resumed run continues exactly where it stopped.

Saving writes to a temporary directory and renames it into place, so a run
killed while saving leaves the previous checkpoint intact. The temporary is
unique to the process (`.NAME.HOST.PID.XXXXXXXX.tmp`, `trade.atomic`), so two
writers never share one, and the next save removes those of writers that died.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from trade.atomic import (atomic_path, recover_directory, remove_dead_temporaries, replace_directory,
                          temporary_directory, write_json)
from trade.model import Decompiler, ModelDimensions
from trade.program.lambdas import LIBRARY_VERSION
from trade.program.tokens import VOCABULARY
from trade.weights import TokenizerConfig

FORMAT = "trade-checkpoint-1"
MODEL_FILE = "model.safetensors"
INFO_FILE = "checkpoint.json"
TRAINING_FILE = "training.safetensors"


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt, or does not fit this version of TraDe."""


def vocabulary_fingerprint() -> str:
    """Changes whenever the program vocabulary does; a model's output layer is tied to it."""
    return hashlib.sha256("\n".join(VOCABULARY).encode()).hexdigest()[:16]


@dataclasses.dataclass
class Checkpoint:
    """A loaded checkpoint: the model and everything saved beside it."""

    model: Decompiler
    dims: ModelDimensions
    tokenizer: TokenizerConfig
    train_config: dict
    step: int
    metrics: dict
    state: dict
    rng: dict[str, torch.Tensor]


def optimizer_to_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """An optimizer's state dict split into flat tensors and a JSON-able rest."""
    state_dict = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict] = {}
    for index, values in state_dict["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer/{index}/{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def optimizer_from_tensors(tensors: dict[str, torch.Tensor], info: dict) -> dict:
    """The inverse of `optimizer_to_tensors`: a state dict for `optimizer.load_state_dict`."""
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer/"):
            _, index, name = key.split("/", 2)
            state.setdefault(int(index), {})[name] = value
    for index, values in info.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(values)
    return {"state": state, "param_groups": info["param_groups"]}


def save_checkpoint(directory: str | Path, model: Decompiler, *, tokenizer: TokenizerConfig,
                    train_config: dict | None = None, step: int = 0, metrics: dict | None = None,
                    state: dict | None = None, optimizer: torch.optim.Optimizer | None = None,
                    rng: dict[str, torch.Tensor] | None = None) -> Path:
    """Writes a checkpoint directory atomically (temporary directory, then rename)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_directory(directory)
    try:
        _fill_checkpoint(temporary, model, tokenizer=tokenizer, train_config=train_config, step=step,
                         metrics=metrics, state=state, optimizer=optimizer, rng=rng)
        replace_directory(temporary, directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    remove_dead_temporaries(directory)
    return directory


def _fill_checkpoint(temporary: Path, model: Decompiler, *, tokenizer: TokenizerConfig,
                     train_config: dict | None, step: int, metrics: dict | None, state: dict | None,
                     optimizer: torch.optim.Optimizer | None, rng: dict[str, torch.Tensor] | None) -> None:
    model_tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    _write_tensors(model_tensors, temporary / MODEL_FILE)
    info = {
        "format": FORMAT,
        "library_version": LIBRARY_VERSION,
        "vocabulary": vocabulary_fingerprint(),
        "dims": dataclasses.asdict(model.dims),
        "tokenizer": dataclasses.asdict(tokenizer),
        "train_config": train_config or {},
        "step": step,
        "metrics": metrics or {},
        "state": state or {},
    }
    training: dict[str, torch.Tensor] = {f"rng/{k}": v.cpu().contiguous() for k, v in (rng or {}).items()}
    if optimizer is not None:
        tensors, info["optimizer"] = optimizer_to_tensors(optimizer)
        training.update(tensors)
    if training:
        _write_tensors(training, temporary / TRAINING_FILE)
    (temporary / INFO_FILE).write_text(json.dumps(info, indent=1))


def _write_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """safetensors' `save_file`, its I/O errors (a full disk) as one-line CheckpointErrors."""
    try:
        save_file(tensors, path)
    except SafetensorError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path.parent}: cannot write the checkpoint ({message})") from None


def _read_info(directory: Path) -> dict:
    path = directory / INFO_FILE
    if not path.exists():
        raise CheckpointError(f"{directory}: no {INFO_FILE}; not a TraDe checkpoint")
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: corrupt JSON ({error})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format {info.get('format') if isinstance(info, dict) else None!r}, "
                              f"expected {FORMAT!r}")
    if info.get("vocabulary") != vocabulary_fingerprint():
        raise CheckpointError(f"{path}: trained for another program vocabulary (library version "
                              f"{info.get('library_version')}, this TraDe has {LIBRARY_VERSION})")
    return info


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path}: corrupt or unreadable safetensors ({message})") from None


def load_checkpoint(directory: str | Path, *, device: str | torch.device = "cpu",
                    model: Decompiler | None = None,
                    optimizer: torch.optim.Optimizer | None = None) -> Checkpoint:
    """Loads a checkpoint directory into a new model, or into `model` (and `optimizer`) in place.

    Resuming passes the model and optimizer it built, so the optimizer keeps
    pointing at the model's parameters.

    Raises CheckpointError (one line: path and reason) for anything missing,
    corrupt or mismatched.
    """
    directory = Path(directory)
    recover_directory(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such checkpoint directory")
    info = _read_info(directory)
    try:
        dims = ModelDimensions(**info["dims"])
        tokenizer = TokenizerConfig(**info["tokenizer"])
    except (TypeError, ValueError, KeyError) as error:
        raise CheckpointError(f"{directory / INFO_FILE}: bad dimensions or tokenizer ({error})") from None
    if (dims.meta_dim, dims.n_roles) != (tokenizer.meta_dim, len(tokenizer.roles)):
        raise CheckpointError(f"{directory / INFO_FILE}: the model reads {dims.n_roles} roles and "
                              f"{dims.meta_dim} metadata values, its '{tokenizer.scheme}' tokenizer writes "
                              f"{len(tokenizer.roles)} and {tokenizer.meta_dim}")
    if model is None:
        model = Decompiler(dims)
    elif model.dims != dims:
        raise CheckpointError(f"{directory}: saved dimensions {dims} differ from the model's {model.dims}")
    tensors = _read_tensors(directory / MODEL_FILE)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{directory / MODEL_FILE}: does not match its dimensions "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(f"{directory / MODEL_FILE}: '{name}' has shape {tuple(tensor.shape)}, "
                                  f"dimensions say {tuple(expected[name].shape)}")
    model.load_state_dict(tensors)
    model.to(device)
    training: dict[str, torch.Tensor] = {}
    if (directory / TRAINING_FILE).exists():
        training = _read_tensors(directory / TRAINING_FILE)
    if optimizer is not None:
        if "optimizer" not in info:
            raise CheckpointError(f"{directory}: no optimizer state to resume from")
        try:
            optimizer.load_state_dict(optimizer_from_tensors(training, info["optimizer"]))
        except (ValueError, KeyError, RuntimeError) as error:
            raise CheckpointError(f"{directory}: optimizer state does not fit this model ({error})") from None
    rng = {k.removeprefix("rng/"): v for k, v in training.items() if k.startswith("rng/")}
    return Checkpoint(model=model, dims=dims, tokenizer=tokenizer, train_config=info["train_config"],
                      step=int(info["step"]), metrics=info["metrics"], state=info["state"], rng=rng)


def export_checkpoint(source: str | Path, destination: str | Path, *, half: bool = False) -> Path:
    """A model-only copy of a checkpoint for shipping: no optimizer or RNG state, fp16 if `half`.

    Loading upcasts fp16 tensors into the float32 model, so an exported
    checkpoint loads like any other; halving costs nothing measurable in
    accuracy (see the model card) and halves the file.
    """
    checkpoint = load_checkpoint(source)
    tensors = {k: v.detach().contiguous() for k, v in checkpoint.model.state_dict().items()}
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    if not all(bool(torch.isfinite(v.float()).all()) for v in tensors.values()):
        raise CheckpointError(f"{source}: weights become infinite in fp16; export without half")
    destination = Path(destination)
    info = _read_info(Path(source))
    info.pop("optimizer", None)
    info["exported"] = {"from": str(source), "dtype": "float16" if half else "float32"}
    if destination.exists() and not destination.is_dir():
        raise CheckpointError(f"{destination}: exists and is not a directory; give a new destination")
    if not destination.parent.is_dir():
        raise CheckpointError(f"{destination.parent}: no such directory to export into; create it first")
    destination.mkdir(exist_ok=True)  # it may hold more (a model card): each file is replaced alone
    with atomic_path(destination / MODEL_FILE) as temporary:
        _write_tensors(tensors, temporary)
    write_json(destination / INFO_FILE, info)
    return destination
