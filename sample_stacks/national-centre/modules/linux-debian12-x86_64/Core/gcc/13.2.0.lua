-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- gcc@13.2.0%gcc@12.2.0~binutils+bootstrap~graphite~nvptx~piclibs~profiled~strip build_system=autotools build_type=RelWithDebInfo languages=c,c++,fortran arch=linux-debian12-zen3/nkwdvxa
--

whatis([[Name : gcc]])
whatis([[Version : 13.2.0]])
whatis([[Target : zen3]])
whatis([[Short description : The GNU Compiler Collection: C, C++ and Fortran compilers and their run-time libraries]])
whatis([[Configure options : --disable-multilib --enable-languages=c,c++,fortran --with-system-zlib]])

help([[Name   : gcc]])
help([[Version: 13.2.0]])
help([[Target : zen3]])
help()
help([[The GNU Compiler Collection: C, C++ and Fortran compilers and their run-
time libraries. Version 13.2.0, built with the system compiler for the
zen3 nodes.]])

-- Services provided by the package
family("compiler")

-- Loading this module unlocks the path below unconditionally
prepend_path("MODULEPATH", "/sw/spack/0.22/modules/lmod/linux-debian12-x86_64/gcc/13.2.0")

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-12.2.0/gcc-13.2.0-nkwdvxa433nh7yli2bwsq2phhb5qmd4f/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-12.2.0/gcc-13.2.0-nkwdvxa433nh7yli2bwsq2phhb5qmd4f/share/man", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-12.2.0/gcc-13.2.0-nkwdvxa433nh7yli2bwsq2phhb5qmd4f/.", ":")
setenv("CC", "gcc")
setenv("CXX", "g++")
setenv("FC", "gfortran")
setenv("GCC_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-12.2.0/gcc-13.2.0-nkwdvxa433nh7yli2bwsq2phhb5qmd4f")
append_path("MANPATH", "", ":")
