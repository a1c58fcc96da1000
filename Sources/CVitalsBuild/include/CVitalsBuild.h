#ifndef CVITALSBUILD_H
#define CVITALSBUILD_H

/// The git revision this binary was built from, as Package.swift defines VITALS_REVISION for
/// build_info.c (from the environment variable of that name, which scripts/build/build-release.sh
/// sets); "unknown" for a plain `swift build`. A function, not a macro in this header, so that a
/// new revision recompiles one C file, not every Swift module that imports this one.
const char *vitals_build_revision(void);

#endif
