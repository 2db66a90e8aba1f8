"""Pick the kernel build for this CPU.

Kernel modules listed in setup.py's ISA_MODULES are compiled three times: a
portable baseline (x86-64/SSE2, or whatever the platform is) and, on x86-64,
variants for AVX2+FMA (x86-64-v3) and AVX-512 (x86-64-v4).  `load` imports the
best variant the CPU supports.  FASTACT_ISA=baseline|avx2|avx512 forces a
lower level (a level the CPU lacks is refused, never run).
"""
import importlib
import os

from fastact._common import cpu_supports

_LEVELS = ("baseline", "avx2", "avx512")
_loaded = {}


def _wanted_levels():
    supported = cpu_supports()
    forced = os.environ.get("FASTACT_ISA", "").strip().lower()
    if forced and forced != "auto":
        if forced not in _LEVELS:
            raise ValueError(f"FASTACT_ISA must be one of auto, {', '.join(_LEVELS)}; got {forced!r}")
        supported = supported[: supported.index(forced) + 1] if forced in supported else supported
    return list(reversed(supported))


def load(module):
    """The best available build of fastact.<module> (e.g. "_activations")."""
    if module in _loaded:
        return _loaded[module]
    for level in _wanted_levels():
        name = f"fastact.{module}" if level == "baseline" else f"fastact.{module}_{level}"
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        _loaded[module] = mod
        return mod
    raise ImportError(f"fastact: no build of {module} found")


def kernel_isa(module="_activations"):
    """The instruction-set level of the loaded build of `module`."""
    name = load(module).__name__
    for level in _LEVELS[1:]:
        if name.endswith("_" + level):
            return level
    return "baseline"
