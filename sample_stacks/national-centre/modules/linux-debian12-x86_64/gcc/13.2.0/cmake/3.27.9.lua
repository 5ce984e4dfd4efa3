-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- cmake@3.27.9%gcc@13.2.0~doc+ncurses+ownlibs~qtgui build_system=generic build_type=Release arch=linux-debian12-zen3/7m2iw73
--

whatis([[Name : cmake]])
whatis([[Version : 3.27.9]])
whatis([[Target : zen3]])
whatis([[Short description : CMake: a cross-platform build system generator]])

help([[Name   : cmake]])
help([[Version: 3.27.9]])
help([[Target : zen3]])
help()
help([[CMake: a cross-platform build system generator.]])

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/cmake-3.27.9-7m2iw73c74v3min65bn2uksq3j7h5nd7/bin", ":")
prepend_path("ACLOCAL_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/cmake-3.27.9-7m2iw73c74v3min65bn2uksq3j7h5nd7/share/aclocal", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/cmake-3.27.9-7m2iw73c74v3min65bn2uksq3j7h5nd7/.", ":")
setenv("CMAKE_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/cmake-3.27.9-7m2iw73c74v3min65bn2uksq3j7h5nd7")
append_path("MANPATH", "", ":")
