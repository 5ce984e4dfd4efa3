-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- gromacs@2023.3%gcc@13.2.0~cp2k+cuda~cycle_subcounters~double+hwloc~intel_provided_gcc~ipo~mdrun_only+mpi~nosuffix~opencl+openmp~plumed~relaxed_double_precision+shared~sycl build_system=cmake build_type=Release cuda_arch=80 generator=make arch=linux-debian12-zen3/b7eqfa6
--

whatis([[Name : gromacs]])
whatis([[Version : 2023.3]])
whatis([[Target : zen3]])
whatis([[Short description : GROMACS: a molecular dynamics package for simulations of proteins, lipids and nucleic acids]])
whatis([[Configure options : -DGMX_GPU=CUDA -DGMX_MPI=ON -DGMX_OPENMP=ON -DGMX_FFT_LIBRARY=fftw3 -DCUDA_TOOLKIT_ROOT_DIR=/usr/local/cuda-12.4]])

help([[Name   : gromacs]])
help([[Version: 2023.3]])
help([[Target : zen3]])
help()
help([[GROMACS: a molecular dynamics package for simulations of proteins,
lipids and nucleic acids. This build offloads to the A100 GPUs through
CUDA (cuda_arch=80) and runs across nodes with MPI.]])

depends_on("cuda/12.4.1")
depends_on("fftw/3.3.10")
depends_on("openblas/0.3.26")

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl/share/man", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl/.", ":")
setenv("GMXDATA", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl/share/gromacs")
setenv("GROMACS_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/gromacs-2023.3-b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl")
append_path("MANPATH", "", ":")
