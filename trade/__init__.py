"""TraDe: decompiling Tracr-compiled transformers back into RASP programs.

Public API (imported lazily, so `import trade` stays cheap): `load_decompiler(checkpoint=None)`,
`compile_program(program)`, `parse_program(source)`; the main job is
`trade.decompile.decompile(model)` (the module `trade.decompile` holds it).
"""

__version__ = "0.1.0"

_EXPORTS = {
    "load_decompiler": "trade.decompile",
    "compile_program": "trade.compiling",
    "parse_program": "trade.program.text",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'trade' has no attribute '{name}'")
