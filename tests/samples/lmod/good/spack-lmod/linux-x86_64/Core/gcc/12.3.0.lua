-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- gcc@12.3.0%gcc@11.4.0 arch=linux-ubuntu22.04-x86_64/lmrfexu
--

whatis([[Name : gcc]])
whatis([[Version : 12.3.0]])
whatis([[Target : x86_64]])
whatis([[Short description : The GNU Compiler Collection includes front ends for C, C++, Objective-C, Fortran, Ada, and Go, as well as libraries for these languages.]])

help([[Name   : gcc]])
help([[Version: 12.3.0]])
help([[Target : x86_64]])
help()
help([[The GNU Compiler Collection includes front ends for C, C++, Objective-C, Fortran, Ada, and Go, as well as libraries for these languages.]])

-- Services provided by the package
family("compiler")

-- Loading this module unlocks the path below unconditionally
prepend_path("MODULEPATH", "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0")

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/lib/pkgconfig", ":")
setenv("CC", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/bin/gcc")
