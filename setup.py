"""Build script: render the Tempita templates, cythonize, compile with OpenMP when available.

Environment knobs (for developers):
  FASTACT_ONLY=_softmax,_losses   build only these extension modules (names of MODULES,
                                  each with its ISA copies; any other name is refused)
  FASTACT_NO_OPENMP=1             build serially even if the compiler has OpenMP
"""
import os
import shutil
import subprocess
import sys
import tempfile

MODULES = ["_common", "_activations", "_softmax", "_losses"]


def only_modules():
    """The modules FASTACT_ONLY names (empty when unset: build them all).  Checked before
    anything else is imported or built: an unknown name (an ISA copy's, such as
    _softmax_avx512, or a typo) used to build nothing at all, silently, leaving the old
    modules in place."""
    only = [m.strip() for m in os.environ.get("FASTACT_ONLY", "").split(",") if m.strip()]
    unknown = [m for m in only if m not in MODULES]
    if unknown:
        sys.exit(f"FASTACT_ONLY: unknown module(s) {', '.join(unknown)}; "
                 f"choose from {', '.join(MODULES)} (each builds its ISA copies too)")
    return only


ONLY = only_modules()

import numpy as np  # noqa: E402  (after the check above, which needs only the stdlib)
from Cython.Build import cythonize  # noqa: E402
from Cython.Tempita import sub as tempita_sub  # noqa: E402
from setuptools import Extension, setup  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "fastact")

# Modules also built for newer x86-64 instruction sets; fastact._dispatch picks
# the best one the CPU supports at import time (the baseline build always exists,
# so the distributed wheel runs on any x86-64 and never needs -march=native).
ISA_MODULES = ["_activations", "_softmax", "_losses"]
ISA_FLAGS = {
    "avx2": ["-march=x86-64-v3", "-mtune=generic"],
    "avx512": ["-march=x86-64-v4", "-mtune=generic", "-mprefer-vector-width=512"],
}


def render_templates():
    """fastact/X.pyx.tp -> fastact/X.pyx (the rendered file is a build output, not in git)."""
    for name in os.listdir(PKG):
        if not name.endswith(".pyx.tp"):
            continue
        src = os.path.join(PKG, name)
        dst = src[: -len(".tp")]
        with open(src) as f:
            text = tempita_sub(f.read())
        old = None
        if os.path.exists(dst):
            with open(dst) as f:
                old = f.read()
        if old != text:  # keep the mtime when nothing changed, so Cython does not rebuild
            with open(dst, "w") as f:
                f.write(text)


def compiler_accepts(flags):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc.split()[0]) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write("int main(void){return 0;}\n")
        try:
            r = subprocess.run(cc.split() + flags + ["-c", src, "-o", os.path.join(tmp, "t.o")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return r.returncode == 0


def isa_variants():
    """The extra instruction-set builds this compiler and platform can make."""
    import platform
    if os.environ.get("FASTACT_NO_ISA_VARIANTS") or platform.machine().lower() not in ("x86_64", "amd64"):
        return {}
    if sys.platform == "win32":
        return {}
    return {isa: flags for isa, flags in ISA_FLAGS.items() if compiler_accepts(flags)}


def write_isa_copy(mod, isa):
    """fastact/<mod>.pyx -> fastact/<mod>_<isa>.pyx (same code, own module name)."""
    src = os.path.join(PKG, mod + ".pyx")
    dst = os.path.join(PKG, f"{mod}_{isa}.pyx")
    with open(src) as f:
        text = f.read()
    old = None
    if os.path.exists(dst):
        with open(dst) as f:
            old = f.read()
    if old != text:
        with open(dst, "w") as f:
            f.write(text)
    return dst


def compiler_has_openmp():
    if os.environ.get("FASTACT_NO_OPENMP"):
        return False
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc.split()[0]) is None:
        return False
    code = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write(code)
        try:
            r = subprocess.run(cc.split() + ["-fopenmp", src, "-o", os.path.join(tmp, "t")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return r.returncode == 0


def extensions():
    openmp = sys.platform != "win32" and compiler_has_openmp()
    # -fno-math-errno, -fno-trapping-math: no errno or FP-exception side effects are
    # observed, and without them GCC will not vectorise loops with compares or sqrt.
    compile_args = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"]
    # The generated kernel modules are large; GCC's default unit-growth budget runs out
    # before every point function is inlined into its loop, and a loop with a call left
    # in it is not vectorised.
    inline_budget = ["--param=inline-unit-growth=400"]
    if compiler_accepts(["-Werror"] + inline_budget):
        compile_args += inline_budget
    link_args = []
    if openmp:
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    variants = isa_variants()
    exts = []

    def add(name, source, extra_flags=()):
        exts.append(Extension(
            f"fastact.{name}",
            [source],
            include_dirs=[np.get_include(), PKG],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=compile_args + list(extra_flags),
            extra_link_args=link_args,
        ))

    for mod in MODULES:
        if ONLY and mod not in ONLY:
            continue
        add(mod, f"fastact/{mod}.pyx")
        if mod in ISA_MODULES:
            for isa, flags in variants.items():
                write_isa_copy(mod, isa)
                add(f"{mod}_{isa}", f"fastact/{mod}_{isa}.pyx", flags)
    print(f"fastact: building {', '.join(e.name for e in exts)} with OpenMP {'on' if openmp else 'off'}")
    return cythonize(
        exts,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
    )


render_templates()
setup(ext_modules=extensions())
