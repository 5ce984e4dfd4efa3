-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- hdf5@1.14.3%gcc@12.3.0 arch=linux-ubuntu22.04-x86_64/lqp4zov
--

whatis([[Name : hdf5]])
whatis([[Version : 1.14.3]])
whatis([[Target : x86_64]])
whatis([[Short description : HDF5 is a data model, library, and file format for storing and managing data.]])

help([[Name   : hdf5]])
help([[Version: 1.14.3]])
help([[Target : x86_64]])
help()
help([[HDF5 is a data model, library, and file format for storing and managing data.]])

depends_on("zlib")

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/hdf5-1.14.3-lqp4zovkvysuumzoombtle5q7zkrsesa/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/hdf5-1.14.3-lqp4zovkvysuumzoombtle5q7zkrsesa/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/hdf5-1.14.3-lqp4zovkvysuumzoombtle5q7zkrsesa/lib/pkgconfig", ":")
