-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- hdf5@1.14.3%gcc@13.2.0~cxx+fortran+hl~ipo~java~map+mpi+shared~subfiling~szip~threadsafe+tools api=default build_system=cmake build_type=Release generator=make arch=linux-debian12-zen3/5zxg6tl
--

whatis([[Name : hdf5]])
whatis([[Version : 1.14.3]])
whatis([[Target : zen3]])
whatis([[Short description : HDF5: a data model, library and file format for storing and managing large and complex data, built with parallel (MPI-IO) support and the Fortran and high-level interfaces]])

help([[Name   : hdf5]])
help([[Version: 1.14.3]])
help([[Target : zen3]])
help()
help([[HDF5: a data model, library and file format for storing and managing
large and complex data, built with parallel (MPI-IO) support and the
Fortran and high-level interfaces.]])

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/hdf5-1.14.3-5zxg6tliygd7wrds3r232sie3bsomajg/bin", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/hdf5-1.14.3-5zxg6tliygd7wrds3r232sie3bsomajg/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/hdf5-1.14.3-5zxg6tliygd7wrds3r232sie3bsomajg/.", ":")
setenv("HDF5_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/hdf5-1.14.3-5zxg6tliygd7wrds3r232sie3bsomajg")
append_path("MANPATH", "", ":")
