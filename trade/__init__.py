"""TraDe: decompiling Tracr-compiled transformers back into RASP programs."""

__version__ = "0.1.0"
