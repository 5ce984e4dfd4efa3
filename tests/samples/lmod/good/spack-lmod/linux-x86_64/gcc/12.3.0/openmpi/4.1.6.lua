-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- openmpi@4.1.6%gcc@12.3.0 arch=linux-ubuntu22.04-x86_64/x4r5qy7
--

whatis([[Name : openmpi]])
whatis([[Version : 4.1.6]])
whatis([[Target : x86_64]])
whatis([[Short description : An open source Message Passing Interface implementation.]])

help([[Name   : openmpi]])
help([[Version: 4.1.6]])
help([[Target : x86_64]])
help()
help([[An open source Message Passing Interface implementation.]])

-- Services provided by the package
family("mpi")

-- Loading this module unlocks the path below unconditionally
prepend_path("MODULEPATH", "/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0")

depends_on("zlib/1.3")

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/lib/pkgconfig", ":")
setenv("MPICC", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/bin/mpicc")
