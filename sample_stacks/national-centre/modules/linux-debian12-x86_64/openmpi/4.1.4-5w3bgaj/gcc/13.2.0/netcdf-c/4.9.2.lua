-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- netcdf-c@4.9.2%gcc@13.2.0~blosc~byterange~dap~fsync~hdf4~jna~logging+mpi~nczarr_zip+optimize~parallel-netcdf+pic+shared~szip~zstd build_system=autotools arch=linux-debian12-zen3/kzindi7
--

whatis([[Name : netcdf-c]])
whatis([[Version : 4.9.2]])
whatis([[Target : zen3]])
whatis([[Short description : NetCDF-C: libraries and data formats for array-oriented scientific data, here on top of parallel HDF5]])

help([[Name   : netcdf-c]])
help([[Version: 4.9.2]])
help([[Target : zen3]])
help()
help([[NetCDF-C: libraries and data formats for array-oriented scientific data,
here on top of parallel HDF5.]])

depends_on("hdf5/1.14.3")

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-c-4.9.2-kzindi7lgz5a2sd7pqtdri7lvoxwzdnk/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-c-4.9.2-kzindi7lgz5a2sd7pqtdri7lvoxwzdnk/share/man", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-c-4.9.2-kzindi7lgz5a2sd7pqtdri7lvoxwzdnk/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-c-4.9.2-kzindi7lgz5a2sd7pqtdri7lvoxwzdnk/.", ":")
setenv("NETCDF_C_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-c-4.9.2-kzindi7lgz5a2sd7pqtdri7lvoxwzdnk")
append_path("MANPATH", "", ":")
