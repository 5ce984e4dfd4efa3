-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- py-mpi4py@3.1.5%gcc@13.2.0 build_system=python_pip arch=linux-debian12-zen3/5amd4we
--

whatis([[Name : py-mpi4py]])
whatis([[Version : 3.1.5]])
whatis([[Target : zen3]])
whatis([[Short description : mpi4py: Python bindings for the Message Passing Interface standard, built against the system Open MPI]])

help([[Name   : py-mpi4py]])
help([[Version: 3.1.5]])
help([[Target : zen3]])
help()
help([[mpi4py: Python bindings for the Message Passing Interface standard,
built against the system Open MPI.]])

depends_on("python/3.11.7")

prepend_path("PYTHONPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-mpi4py-3.1.5-5amd4we7utu5fzjrlxiya4ngqperwybo/lib/python3.11/site-packages", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-mpi4py-3.1.5-5amd4we7utu5fzjrlxiya4ngqperwybo/.", ":")
setenv("PY_MPI4PY_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-mpi4py-3.1.5-5amd4we7utu5fzjrlxiya4ngqperwybo")
append_path("MANPATH", "", ":")
