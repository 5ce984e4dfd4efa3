whatis("Description: PETSc, the Portable, Extensible Toolkit for Scientific Computation")
setenv("PETSC_VERSION", myModuleVersion())
