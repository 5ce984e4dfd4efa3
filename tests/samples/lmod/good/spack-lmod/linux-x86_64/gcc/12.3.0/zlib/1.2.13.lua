-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- zlib@1.2.13%gcc@12.3.0 arch=linux-ubuntu22.04-x86_64/25khggg
--

whatis([[Name : zlib]])
whatis([[Version : 1.2.13]])
whatis([[Target : x86_64]])
whatis([[Short description : A free, general-purpose, legally unencumbered lossless data-compression library.]])

help([[Name   : zlib]])
help([[Version: 1.2.13]])
help([[Target : x86_64]])
help()
help([[A free, general-purpose, legally unencumbered lossless data-compression library.]])

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.2.13-25khgggdwbdobncikl37alghs6dqmcvt/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.2.13-25khgggdwbdobncikl37alghs6dqmcvt/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.2.13-25khgggdwbdobncikl37alghs6dqmcvt/lib/pkgconfig", ":")
