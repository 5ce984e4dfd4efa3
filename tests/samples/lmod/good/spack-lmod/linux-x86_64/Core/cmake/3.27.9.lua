-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- cmake@3.27.9%gcc@11.4.0 arch=linux-ubuntu22.04-x86_64/eecy7co
--

whatis([[Name : cmake]])
whatis([[Version : 3.27.9]])
whatis([[Target : x86_64]])
whatis([[Short description : A cross-platform, open-source build system. CMake is a family of tools designed to build, test and package software.]])

help([[Name   : cmake]])
help([[Version: 3.27.9]])
help([[Target : x86_64]])
help()
help([[A cross-platform, open-source build system. CMake is a family of tools designed to build, test and package software.]])

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/cmake-3.27.9-eecy7coldsirxipx3rjcbb56xa3so2ta/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/cmake-3.27.9-eecy7coldsirxipx3rjcbb56xa3so2ta/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/cmake-3.27.9-eecy7coldsirxipx3rjcbb56xa3so2ta/lib/pkgconfig", ":")
