-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- openblas@0.3.26%gcc@13.2.0~bignuma~consistent_fpcsr+dynamic_dispatch+fortran~ilp64+locking+pic+shared build_system=makefile symbol_suffix=none threads=openmp arch=linux-debian12-zen3/szkmehz
--

whatis([[Name : openblas]])
whatis([[Version : 0.3.26]])
whatis([[Target : zen3]])
whatis([[Short description : OpenBLAS: an optimised BLAS and LAPACK library based on GotoBLAS2, built with OpenMP threads and dynamic dispatch for the zen3 nodes]])

help([[Name   : openblas]])
help([[Version: 0.3.26]])
help([[Target : zen3]])
help()
help([[OpenBLAS: an optimised BLAS and LAPACK library based on GotoBLAS2, built
with OpenMP threads and dynamic dispatch for the zen3 nodes.]])

prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/openblas-0.3.26-szkmehzhuizg4fuqyxha6iuomntx4xtq/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/openblas-0.3.26-szkmehzhuizg4fuqyxha6iuomntx4xtq/.", ":")
setenv("OPENBLAS_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/openblas-0.3.26-szkmehzhuizg4fuqyxha6iuomntx4xtq")
append_path("MANPATH", "", ":")
